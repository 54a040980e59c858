"""Publishing: the app model as deployment artefacts (``pyspire publish``).

Publishing renders the same model ``pyspire run`` runs — through the public extension API's
``render_launch`` with a target's own ``RenderContext`` — never a second model. The work is split
so that every target shares the first and last steps:

1. :func:`plan_publish` decides what each resource publishes as (an image, a build, a generated
   Dockerfile, an external dependency, an input) and finds what cannot be published;
2. a target (:data:`TARGETS`: ``compose``, ``kubernetes``) renders every file in memory, collecting problems;
3. only when there is none, :func:`publish` writes them.

See ``docs/publish.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pyspire.extensions import ConfigurationError
from pyspire.model.resource import Resource
from pyspire.publish.compose import ComposeTarget
from pyspire.publish.errors import PublishError
from pyspire.publish.helm import KubernetesTarget
from pyspire.publish.output import PublishedFiles
from pyspire.publish.plan import PublishedResource, PublishPlan, plan_publish
from pyspire.publish.targets import TARGETS, PublishTarget

__all__ = [
    "TARGETS",
    "ComposeTarget",
    "KubernetesTarget",
    "PublishError",
    "PublishPlan",
    "PublishResult",
    "PublishTarget",
    "PublishedFiles",
    "PublishedResource",
    "plan_publish",
    "publish",
    "render",
]


@dataclass(frozen=True)
class PublishResult:
    """What a publish wrote."""

    target: str
    out_dir: Path
    written: tuple[Path, ...]
    notes: tuple[str, ...] = ()


def render(
    resources: Sequence[Resource], app_dir: Path, target: str, out_dir: Path, name: str | None = None
) -> PublishedFiles:
    """Every file ``target`` would write to ``out_dir``, in memory; :class:`PublishError` when
    the model cannot be published. ``name``: the app's (the chart's), default its folder's."""
    if target not in TARGETS:
        raise ConfigurationError(f"no publish target {target!r}; the targets are: {', '.join(sorted(TARGETS))}")
    plan = plan_publish(resources, app_dir, name)
    return TARGETS[target]().render(plan, out_dir)


def publish(
    resources: Sequence[Resource], app_dir: Path, target: str, out_dir: Path, name: str | None = None
) -> PublishResult:
    """Render for ``target`` and, when nothing stands in the way, write the files to ``out_dir``."""
    files = render(resources, app_dir, target, out_dir, name)
    written = files.write(out_dir)
    return PublishResult(target, out_dir, tuple(written), tuple(files.notes))

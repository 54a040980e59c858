"""The publish targets by name: what ``pyspire publish --target`` offers.

A target turns a :class:`~pyspire.publish.plan.PublishPlan` into files (in memory, raising
:class:`~pyspire.publish.errors.PublishError` with every problem); writing is common to all. A
Helm chart (``kubernetes``) is the other.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Protocol

from pyspire.publish.compose import ComposeTarget
from pyspire.publish.helm import KubernetesTarget
from pyspire.publish.output import PublishedFiles
from pyspire.publish.plan import PublishPlan


class PublishTarget(Protocol):
    """One output format."""

    name: ClassVar[str]

    def render(self, plan: PublishPlan, out_dir: Path) -> PublishedFiles: ...


TARGETS: dict[str, type[PublishTarget]] = {ComposeTarget.name: ComposeTarget, KubernetesTarget.name: KubernetesTarget}

"""Install steps: the ``<app>-install`` child that prepares an app's dependencies before it starts,
and the stamp that lets a start with nothing changed skip it.

Python (``with_pip()`` / ``with_uv()``) and Node (``npm ci``) apps need the same thing: a
run-to-completion child of the app, shared by every app on the same target (one venv, one
``node_modules``: two installers writing one folder at once break each other), that the apps
``wait_for_completion``. After it finishes with exit code 0 a ``ResourceStopped`` subscriber
stamps the target with a fingerprint of the install's inputs (the dependency files plus a few
strings: the interpreter version, the installer's command, the package manager); at the next start
:meth:`InstallStepResource.up_to_date` skips the step while the fingerprint is the same. The stamp
is written atomically and only after a run that installed, so a failed or interrupted install runs
again; a stamp that cannot be read (absent, from an older pyspire, damaged) also means "install".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pyspire.extensions import ResourceState, ResourceStopped, write_atomic
from pyspire.model.builder import ExecutableBuilder
from pyspire.model.lifecycle import WaitAnnotation
from pyspire.model.resource import Resource
from pyspire.model.resource_builder import ResourceBuilder
from pyspire.model.resources import ExecutableResource

#: The install step of app ``web`` is ``web-install``.
INSTALL_SUFFIX = "-install"


@dataclass(frozen=True)
class InstallInputs:
    """What decides an install's outcome: files (by name and content; one that is missing counts
    as missing, so creating it runs the step again) and strings (versions, commands)."""

    files: tuple[Path, ...]
    extras: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        """One hash of all of it (each file hashed apart, so no two inputs can run together)."""
        files = {str(path.name): _file_hash(path) for path in self.files}
        summary = json.dumps({"files": files, "extras": list(self.extras)}, sort_keys=True)
        return hashlib.sha256(summary.encode()).hexdigest()


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def read_stamp(stamp: Path) -> str | None:
    """The fingerprint recorded by the last successful install, or ``None`` when there is no
    stamp that can be read (then the step runs)."""
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = recorded.get("inputs") if isinstance(recorded, dict) else None
    return value if isinstance(value, str) else None


def write_stamp(stamp: Path, inputs: InstallInputs) -> None:
    """Record a successful install (whole or not at all: a crash leaves no half stamp)."""
    write_atomic(stamp, json.dumps({"inputs": inputs.fingerprint()}) + "\n")


class StampedStep:
    """A run-to-completion step (a process or a container: mix it in before
    ``ExecutableResource`` / ``ContainerResource``) skipped while its stamp matches its inputs and
    stamped after a successful run. A subclass says where the stamp is, what the inputs are, what
    the skipped step's message says and, when the stamp alone cannot tell, whether what the last
    run made is still there (:meth:`still_in_place`)."""

    #: Whether the last start was skipped as up to date (then there is nothing to stamp).
    skipped: bool = False

    @property
    def stamp_path(self) -> Path:
        """The stamp file, inside what the step fills (deleting that forgets the stamp too)."""
        raise NotImplementedError

    def install_inputs(self) -> InstallInputs | None:
        """The inputs as they are now; ``None`` when there is nothing to compare or stamp (no
        venv yet, no package.json): the step then runs and leaves no stamp."""
        raise NotImplementedError

    def unchanged_message(self, inputs: InstallInputs) -> str:
        """The state message of a skipped start (``"up to date: …"``)."""
        raise NotImplementedError

    async def still_in_place(self) -> bool:
        """Whether what the last successful run made is still there (asked only when the stamp
        matches): a Helm release someone uninstalled is installed again. Default: yes."""
        return True

    async def up_to_date(self) -> str | None:
        reason = self.unchanged_reason()
        if reason is not None and not await self.still_in_place():
            reason = None
        #: A skipped start ends Finished with exit code 0 too; nothing ran, so nothing to stamp.
        self.skipped = reason is not None
        return reason

    def unchanged_reason(self) -> str | None:
        """Why running the step again would change nothing (by its stamp), or ``None``."""
        inputs = self.install_inputs()
        if inputs is None or read_stamp(self.stamp_path) != inputs.fingerprint():
            return None
        return self.unchanged_message(inputs)

    def record_success(self) -> None:
        """Stamp after a run that installed: the next start with the same inputs skips the step
        (a skipped start leaves the stamp as it is: no hashing again)."""
        if self.skipped:
            return
        inputs = self.install_inputs()
        if inputs is not None:
            write_stamp(self.stamp_path, inputs)


class InstallStepResource(StampedStep, ExecutableResource):
    """An ``<app>-install`` step: a process that is a :class:`StampedStep`."""


def stamp_after_success(builder: ResourceBuilder[Any]) -> None:
    """Subscribe ``builder``'s :class:`StampedStep` to be stamped each time it ends Finished with
    exit code 0 (a start it skipped stamps nothing)."""
    builder.on_stopped(_record_after_success)


def _record_after_success(event: ResourceStopped) -> None:
    step = event.resource
    assert isinstance(step, StampedStep)  # subscribed by stamp_after_success only
    if event.state == ResourceState.FINISHED and event.exit_code == 0:
        step.record_success()


S = TypeVar("S", bound=InstallStepResource)


def find_install_step(app: ExecutableBuilder, kind: type[S], shares: Callable[[S], bool]) -> S | None:
    """The install step of ``kind`` in ``app``'s model that ``shares`` says serves ``app`` too."""
    return next((r for r in app.app.resources if isinstance(r, kind) and shares(r)), None)


def install_step_for(
    app: ExecutableBuilder,
    kind: type[S],
    shares: Callable[[S], bool],
    make: Callable[[str], S],
    configure: Callable[[S, ExecutableBuilder], object] | None = None,
) -> S:
    """The install step of ``kind`` that ``shares`` ``app``'s target (made for an earlier app of
    the model), else a new one: ``make("<app>-install")``, added as a child of ``app``, stamped
    after each successful run, and ``configure(step, its builder)``-d (arguments, environment).
    The caller then checks the step fits and makes ``app`` wait for it (:func:`wait_for_step`)."""
    found = find_install_step(app, kind, shares)
    if found is not None:
        return found
    step = make(app.resource.name + INSTALL_SUFFIX)
    builder = ExecutableBuilder(app.app, step)
    app.app.resources.append(step)
    builder.with_parent(app.resource)
    stamp_after_success(builder)
    if configure is not None:
        configure(step, builder)
    return step


def wait_for_step(app: ExecutableBuilder, step: InstallStepResource) -> None:
    """Make ``app`` start once ``step`` has finished with exit code 0 (once, however often asked)."""
    if not waits_for(app.resource.annotations, step):
        app.wait_for_completion(step)


def waits_for(annotations: Iterable[object], step: Resource) -> bool:
    """Whether ``annotations`` hold a wait for ``step``."""
    return any(isinstance(a, WaitAnnotation) and a.target is step for a in annotations)

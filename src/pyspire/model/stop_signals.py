"""The signal that asks a resource to stop (``with_stop_signal``): its name, checked at build.

Pure: the name a user wrote ("SIGINT", "INT", "sigint") becomes one :class:`signal.Signals`, so
the process controller and the container engine receive the same canonical name. SIGKILL and
SIGSTOP are refused: neither can be caught, so neither asks a program to shut down — and the grace
period's SIGKILL already follows whatever signal is chosen.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

from pyspire.model.annotations import StopSignalAnnotation
from pyspire.model.errors import ModelProblem
from pyspire.model.resource import Resource

_UNCATCHABLE = frozenset({signal.SIGKILL, signal.SIGSTOP})
_EXAMPLE = "with_stop_signal('SIGINT')"


def parse_stop_signal(name: str) -> signal.Signals | None:
    """The signal ``name`` means ("SIGINT", "INT", any case), or ``None`` when it names none."""
    wanted = name.strip().upper()
    if not wanted.startswith("SIG"):
        wanted = "SIG" + wanted
    try:
        return signal.Signals[wanted]
    except KeyError:
        return None


def stop_signal_of(resource: Resource) -> str | None:
    """The canonical name of the resource's stop signal ("SIGINT"), or ``None`` for SIGTERM (the
    default). Validation has refused a name that means nothing."""
    found = resource.last_annotation(StopSignalAnnotation)
    if found is None:
        return None
    parsed = parse_stop_signal(found.signal)
    return parsed.name if parsed is not None else None


def stop_signal_problems(resource: Resource) -> Iterator[ModelProblem]:
    for annotation in resource.annotations_of(StopSignalAnnotation):
        at = resource.origin_of(annotation)
        parsed = parse_stop_signal(annotation.signal)
        if parsed is None:
            yield ModelProblem(
                resource.name,
                "with_stop_signal",
                f"{annotation.signal!r} is not a signal name; use one such as 'SIGINT', 'SIGQUIT' or "
                f"'SIGTERM', e.g. {_EXAMPLE}",
                at,
            )
        elif parsed in _UNCATCHABLE:
            yield ModelProblem(
                resource.name,
                "with_stop_signal",
                f"{parsed.name} cannot be caught, so it cannot ask the program to shut down (SIGKILL "
                f"follows the stop grace period anyway); use a signal it handles, e.g. {_EXAMPLE}",
                at,
            )

"""Errors raised while building or validating the app model."""

from __future__ import annotations

from dataclasses import dataclass

from pyspire.errors import PermanentError, PyspireError
from pyspire.model.call_site import CallSite


@dataclass(frozen=True)
class ModelProblem:
    """One thing wrong with the model: which resource, which field, what is wrong and how to fix it,
    and the lines of the user's code that caused it (when known)."""

    resource: str
    field: str
    message: str
    locations: tuple[CallSite, ...] = ()

    @property
    def where(self) -> str:
        """``apphost.py:12: `` (or ``apphost.py:12, apphost.py:14: ``), or nothing when unknown."""
        return f"{', '.join(dict.fromkeys(str(site) for site in self.locations))}: " if self.locations else ""

    def __str__(self) -> str:
        return f"{self.where}resource '{self.resource}', {self.field}: {self.message}"


class ModelWarning(UserWarning):
    """The model is valid but probably not what was meant (``wait_for`` on a step that runs to
    completion). Issued by ``build()`` through :mod:`warnings`, so it can be filtered or made an
    error like any other warning."""


class ModelError(PyspireError, ValueError):
    """The app model is invalid. Raised before anything starts; lists every problem found.

    The validation family of :class:`~pyspire.errors.PyspireError` (still a ``ValueError``, which
    callers catch); exit code 2, as for every mistake found before anything starts."""

    exit_code = 2

    def __init__(self, problems: list[ModelProblem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(f"the app model has {count} problem{'s' if count != 1 else ''}:\n{lines}")


class ResolutionError(PermanentError, RuntimeError):
    """A value could not be resolved for a resource (for example an ambiguous target port):
    the model says something that cannot be made true, so retrying cannot help."""


class RenderError(PermanentError):
    """A value cannot be rendered into a manifest (a provider without a manifest form)."""

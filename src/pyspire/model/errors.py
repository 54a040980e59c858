"""Errors raised while building or validating the app model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelProblem:
    """One thing wrong with the model: which resource, which field, what is wrong and how to fix it."""

    resource: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"resource '{self.resource}', {self.field}: {self.message}"


class ModelError(ValueError):
    """The app model is invalid. Raised before anything starts; lists every problem found."""

    def __init__(self, problems: list[ModelProblem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(f"the app model has {count} problem{'s' if count != 1 else ''}:\n{lines}")


class ResolutionError(RuntimeError):
    """A value could not be resolved for a resource (for example an ambiguous target port)."""

"""What stops a publish: every problem of the model found at once, before anything is written.

A problem is a :class:`~pyspire.model.errors.ModelProblem` (resource, field, message with the
fix, the user's line), the same shape ``build()`` reports, so the CLI prints both alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspire.extensions import ConfigurationError
from pyspire.model.errors import ModelProblem


class PublishError(ConfigurationError):
    """The model cannot be published as it is; ``problems`` lists each thing to fix. Nothing was
    written."""

    def __init__(self, target: str, problems: Sequence[ModelProblem]) -> None:
        self.target = target
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        count = "1 problem" if len(self.problems) == 1 else f"{len(self.problems)} problems"
        super().__init__(f"cannot publish to {target}, nothing was written ({count}):\n{lines}")

"""The deployment's inputs: every variable a published file reads from its environment (``.env``).

Rendering fills this as it meets parameters, connection strings, outputs of external resources
and the endpoints of things the deployment does not run; the ``.env`` writer lists them. Two
different things asking for the same variable is a problem (``a-b`` and an output ``b`` of ``a``
would both be ``A_B``), reported with the rest before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspire.model.errors import ModelProblem


@dataclass(frozen=True)
class Input:
    """One variable: what it stands for, whether it is secret, the value written for it (never a
    secret's), and what asked for it (to tell a collision from a second use)."""

    variable: str
    description: str
    owner: str
    secret: bool = False
    default: str | None = None
    #: A hint written above the variable (how to choose its value).
    note: str | None = None


class DeploymentInputs:
    """The variables in the order first asked for; collisions kept as problems."""

    def __init__(self) -> None:
        self._inputs: dict[str, Input] = {}
        self.problems: list[ModelProblem] = []

    def add(self, wanted: Input, resource: str) -> str:
        """Register ``wanted`` (asked for while rendering ``resource``); its interpolation."""
        known = self._inputs.get(wanted.variable)
        if known is None:
            self._inputs[wanted.variable] = wanted
        elif known.owner != wanted.owner:
            problem = ModelProblem(
                resource,
                "environment",
                f"{wanted.description} and {known.description} would both be read from "
                f"${wanted.variable} in .env; rename one of the resources",
            )
            if problem not in self.problems:
                self.problems.append(problem)
        return "${" + wanted.variable + "}"

    @property
    def inputs(self) -> list[Input]:
        return list(self._inputs.values())

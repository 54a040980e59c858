"""The mode the model is being used in: run (start everything here) or publish (render manifests).

Aspire's ``DistributedApplicationExecutionContext``: env and args callbacks get one, so a callback
can contribute a development-only variable in run mode and leave it out of a manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Operation = Literal["run", "publish"]


@dataclass(frozen=True)
class ExecutionContext:
    """Whether the app is being run or published."""

    operation: Operation = "run"

    @property
    def is_run(self) -> bool:
        return self.operation == "run"

    @property
    def is_publish(self) -> bool:
        return self.operation == "publish"


RUN = ExecutionContext("run")
PUBLISH = ExecutionContext("publish")

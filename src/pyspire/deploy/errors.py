"""What stops a deploy or a destroy, said so the user can act on it.

A missing input stops before anything is built or started (a :class:`ConfigurationError`, exit
2, naming each variable and where to set it); an engine that is missing or a service that does
not come up is a :class:`PermanentError` naming the service and the end of its log.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspire.extensions import ConfigurationError, PermanentError


class MissingInputs(ConfigurationError):
    """Inputs of the deployment that have no value; ``missing`` says, per variable, how to give one.
    Nothing was built or started."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = tuple(missing)
        lines = "\n".join(f"  - {line}" for line in self.missing)
        count = "1 input has" if len(self.missing) == 1 else f"{len(self.missing)} inputs have"
        super().__init__(f"{count} no value, nothing was started:\n{lines}")


class NoComposeEngine(PermanentError):
    """Neither a Docker engine nor podman answered."""


class DeployFailed(PermanentError):
    """A step of the deployment failed: the engine's words, or a service that did not come up
    with the end of its log (never a secret value: those are masked)."""


def mask(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret value replaced by ``***`` (an engine or helm echoes values in
    some errors); the longest first, so a secret containing another is masked whole."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text

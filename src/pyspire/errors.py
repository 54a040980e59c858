"""The root of every error pyspire raises on purpose, and the two that steer retries.

Dependency-free, so that any layer (and the CLI, cheaply) can import it. Every exception class in
pyspire derives from :class:`PyspireError` through one of four families:

- :class:`ModelError`-like validation errors (in :mod:`pyspire.model.errors`): the app model is wrong;
- :class:`ConfigurationError`: a setting, file or environment variable is wrong;
- :class:`PermanentError`: retrying cannot help (an image that does not exist): say why and stop;
- :class:`TemporaryError`: retrying may help (a port still busy, an engine still starting): retry
  after :attr:`TemporaryError.delay` seconds.

The CLI prints a :class:`PyspireError` as one clean line with its :attr:`PyspireError.exit_code`;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class PyspireError(Exception):
    """An error pyspire raises on purpose; its message names what is wrong and the way out."""

    #: The process exit code the CLI uses for this error.
    exit_code: int = 1


class ConfigurationError(PyspireError):
    """A setting, file or environment variable is wrong: fix it and run again."""

    exit_code = 2


class PermanentError(PyspireError):
    """Retrying cannot help: the message says why (kopf's ``PermanentError``)."""


class TemporaryError(PyspireError):
    """Retrying may help: try again after ``delay`` seconds (kopf's ``TemporaryError(delay=)``)."""

    def __init__(self, message: str, delay: float = 1.0) -> None:
        super().__init__(message)
        self.delay = delay

"""Errors from the operating system, translated into pyspire's own terms."""

from __future__ import annotations

from pyspire.errors import PermanentError


class SpawnError(PermanentError, RuntimeError):
    """A process could not be started. The message carries the OS reason and the fix; starting
    the same command again fails the same way."""

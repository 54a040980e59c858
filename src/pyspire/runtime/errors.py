"""Errors from the operating system, translated into pyspire's own terms."""

from __future__ import annotations


class SpawnError(RuntimeError):
    """A process could not be started. The message carries the OS reason and the fix."""

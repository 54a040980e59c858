"""Secret values and the one way to keep them out of everything pyspire shows.

Every secret the app host resolves (a secret parameter, a connection string, a value built from
them) is registered with the run's :class:`Redactor`. Whatever leaves the app host — captured
output, snapshots, objects served to kubectl, command results, the app host's own log records —
passes through it, so a secret is masked wherever it ends up, also inside a longer value (a
``DATABASE_URL`` carrying the password).

Two rules keep masking from garbling output:

- Text is searched only for secrets of at least :data:`MIN_MASKED_LENGTH` characters: masking
  every "1" or "ab" in every line would destroy the output without protecting anything. A value
  that *is* a secret (an env value, an argument) is masked whole whatever its length.
- A secret spanning several lines (a PEM key) is also masked line by line, because its lines can
  reach the log in separate reads and would otherwise never be seen together.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Sequence

#: What replaces a secret inside text (a log line, a message).
REDACTED = "***"
#: What replaces a value that is a secret as a whole (an env value, an argument).
MASK = "********"
#: Shorter secrets are masked where they are whole values, but not searched for inside text.
MIN_MASKED_LENGTH = 4


class Redactor:
    """The secrets of one app host run; safe to share, cheap when there are none."""

    def __init__(self) -> None:
        self._whole: set[str] = set()
        #: Longest first, so a secret that contains another is masked whole.
        self._patterns: tuple[str, ...] = ()

    @property
    def has_secrets(self) -> bool:
        return bool(self._whole)

    @property
    def patterns(self) -> tuple[str, ...]:
        """What text is searched for, longest first (a log line cut short must not end in the
        beginning of one of these)."""
        return self._patterns

    def add(self, secrets: Iterable[str]) -> None:
        """Register secret values (idempotent)."""
        fresh = {s for s in secrets if s and s not in self._whole}
        if not fresh:
            return
        self._whole |= fresh
        patterns = set(self._patterns)
        for secret in fresh:
            for piece in (secret, *secret.splitlines()):
                piece = piece.strip()
                if len(piece) >= MIN_MASKED_LENGTH:
                    patterns.add(piece)
        self._patterns = tuple(sorted(patterns, key=len, reverse=True))

    def mask(self, text: str) -> str:
        """``text`` with every registered secret (of masking length) replaced by :data:`REDACTED`."""
        for pattern in self._patterns:
            if pattern in text:
                text = text.replace(pattern, REDACTED)
        return text

    def touches(self, values: Iterable[str]) -> bool:
        """Whether masking would change any of ``values`` (one scan of them all per secret): the
        cheap test that lets an untouched snapshot or object pass as it is."""
        values = list(values)
        if any(value in self._whole for value in values):
            return True
        joined = "\0".join(values)
        return any(pattern in joined for pattern in self._patterns)

    def mask_value(self, value: str) -> str:
        """A value that may *be* a secret: masked whole if it is one, else searched like text."""
        if value in self._whole:
            return MASK
        return self.mask(value)

    def mask_lines(self, lines: Sequence[str]) -> Sequence[str]:
        """Captured lines with secrets masked; the same sequence when nothing matched (the common,
        cheap case: one scan of the joined text per pattern)."""
        if not self._patterns:
            return lines
        joined = "\n".join(lines)
        if not any(pattern in joined for pattern in self._patterns):
            return lines
        return self.mask(joined).split("\n")


class RedactingFilter(logging.Filter):
    """Masks secrets in the app host's own log records (messages and tracebacks) before a handler
    writes them: an exception from deep inside can quote a value."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._redactor.has_secrets:
            return True
        message = record.getMessage()
        masked = self._redactor.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redactor.mask(record.exc_text)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self._redactor.mask(record.stack_info)
        return True


@contextlib.contextmanager
def masked_log_records(redactor: Redactor) -> Iterator[None]:
    """While inside, every record the root logger's handlers write is masked with ``redactor``."""
    handlers = list(logging.getLogger().handlers)
    log_filter = RedactingFilter(redactor)
    for handler in handlers:
        handler.addFilter(log_filter)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(log_filter)

"""How a parameter's value is generated when nobody supplies one (``add_parameter(generate=...)``).

Pure data; the app host draws the value once (from :mod:`secrets`) and keeps it in the settings
file, so a database created with a generated password still opens after a restart.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass


@dataclass(frozen=True)
class GeneratedValue:
    """A random value of ``length`` characters from the classes allowed. ``special`` is off by
    default: a password goes into URLs and command lines, where ``@:/%`` would need escaping."""

    length: int = 22
    lower: bool = True
    upper: bool = True
    digits: bool = True
    special: bool = False

    def problem(self) -> str | None:
        """Why these rules cannot make a value (``build()`` reports it), or ``None``."""
        if not isinstance(self.length, int) or isinstance(self.length, bool) or self.length < 1:
            return f"length={self.length!r} is not a length; pass a whole number of 1 or more, e.g. GeneratedValue(length=32)"
        if not self._classes():
            return "every character class is off; allow at least one, e.g. GeneratedValue(special=False)"
        return None

    @property
    def alphabet(self) -> str:
        classes = self._classes()
        return "".join(classes) or string.ascii_letters + string.digits

    def _classes(self) -> list[str]:
        chosen = [
            (self.lower, string.ascii_lowercase),
            (self.upper, string.ascii_uppercase),
            (self.digits, string.digits),
            (self.special, "-_.~!*"),
        ]
        return [chars for wanted, chars in chosen if wanted]

    def generate(self) -> str:
        """A new value with at least one character of each allowed class (when it is long
        enough), as password rules usually demand."""
        classes = self._classes()
        alphabet = self.alphabet
        while True:
            value = "".join(secrets.choice(alphabet) for _ in range(max(1, self.length)))
            if len(value) < len(classes) or all(any(c in chars for c in value) for chars in classes):
                return value

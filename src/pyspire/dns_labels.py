"""Resource names as Kubernetes DNS labels: lowercase letters, digits and '-', starting with a
letter, ending with a letter or digit, at most 63 characters.

Standard library only: the app model validates names with it, and the CLI checks a name it is
given before putting it into a URL, without importing the app model to do so.
"""

from __future__ import annotations

import re

MAX_NAME_LENGTH = 63
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def name_problem(name: str) -> str | None:
    """Say what is wrong with ``name`` as a resource name, or ``None`` when it is valid."""
    if not name:
        return "the name is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"the name is {len(name)} characters long; at most {MAX_NAME_LENGTH} are allowed"
    if not _DNS_LABEL.match(name):
        return (
            "use only lowercase letters, digits and '-', start with a letter and end with a letter "
            "or digit (Kubernetes DNS-label rules)"
        )
    return None

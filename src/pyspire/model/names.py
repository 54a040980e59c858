"""Resource names and replica suffixes.

Resource names become host names, container names and orchestrator object names, so they follow
the Kubernetes DNS-label rules: lowercase letters, digits and '-', starting with a letter, ending
with a letter or digit, at most 63 characters.
"""

from __future__ import annotations

import hashlib
import re
import secrets

MAX_NAME_LENGTH = 63
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")

# Aspire leaves out letters that are easily confused with digits or each other (l, o, i).
_SUFFIX_ALPHABET = "abcdefghjkmnpqrstuvwxyz"
SUFFIX_LENGTH = 8


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


def random_suffix() -> str:
    """Eight random lowercase letters: a replica's name suffix and its ``service.instance.id``."""
    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))


def stable_suffix(seed: str) -> str:
    """Eight lowercase letters derived from ``seed``: the same on every run, for persistent
    resources (their name and instance id must not change, or they could not be re-adopted)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_SUFFIX_ALPHABET[b % len(_SUFFIX_ALPHABET)] for b in digest[:SUFFIX_LENGTH])


def env_name_part(text: str) -> str:
    """Upper-case ``text`` and replace anything outside ``[A-Za-z0-9_]`` with ``_`` (``API_HTTP``)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text).upper()

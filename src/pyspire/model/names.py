"""Resource names and replica suffixes.

Resource names become host names, container names and orchestrator object names, so they follow
the Kubernetes DNS-label rules: lowercase letters, digits and '-', starting with a letter, ending
with a letter or digit, at most 63 characters.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path

from pyspire.dns_labels import name_problem as name_problem  # the rules live where the CLI can read them

# Aspire leaves out letters that are easily confused with digits or each other (l, o, i).
#: The letters of a replica suffix (no i, l, o: nothing to misread); telemetry matches them.
SUFFIX_ALPHABET = "abcdefghjkmnpqrstuvwxyz"
SUFFIX_LENGTH = 8


def random_suffix() -> str:
    """Eight random lowercase letters: a replica's name suffix and its ``service.instance.id``."""
    return "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))


def stable_suffix(seed: str) -> str:
    """Eight lowercase letters derived from ``seed``: the same on every run, for persistent
    resources (their name and instance id must not change, or they could not be re-adopted)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(SUFFIX_ALPHABET[b % len(SUFFIX_ALPHABET)] for b in digest[:SUFFIX_LENGTH])


def app_key(app_dir: Path) -> str:
    """A short key of one app host's folder: labels its containers and volumes, names its data
    volumes, so two app hosts whose resources share names never share them."""
    return hashlib.sha256(str(app_dir).encode()).hexdigest()[:10]


def stable_volume_prefix(app_dir: Path) -> str:
    """``<app folder>-<hash of its path>-``: what names the data volumes of one app host (Aspire's
    scheme), so two app hosts whose resources share names never share a volume. A publisher
    strips it: a deployment is one app, and its files must not depend on this machine's paths."""
    folder = re.sub(r"[^a-z0-9_.-]+", "-", app_dir.name.lower()).strip("-._") or "app"
    return f"{folder}-{app_key(app_dir)}-"


def env_name_part(text: str) -> str:
    """Upper-case ``text`` and replace anything outside ``[A-Za-z0-9_]`` with ``_`` (``API_HTTP``)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text).upper()

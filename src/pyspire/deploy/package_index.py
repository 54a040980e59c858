"""The package index and registry this machine is configured with, handed to image builds.

A generated Dockerfile installs with pip, uv or npm inside the build, where this machine's
configuration is not: each declares ``ARG PIP_INDEX_URL`` and the like, and ``pyspire deploy``
passes what pip (``pip config list``, which includes ``PIP_*`` variables) and npm (``npm config
get registry``) say here, so a machine that reaches the world only through its own index builds
too. Nothing is written anywhere: the values go on the build's command line only.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

from pyspire.publish.dockerfiles import NPM_INDEX_ARGS, UV_INDEX_ARGS

#: pip setting → the build argument that carries it (uv reads its own names).
PIP_SETTINGS = {
    "index-url": ("PIP_INDEX_URL", "UV_INDEX_URL"),
    "extra-index-url": ("PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL"),
    "trusted-host": ("PIP_TRUSTED_HOST",),
}
NPM_REGISTRY = NPM_INDEX_ARGS[0]

_LINE = re.compile(r"^[^.]*\.([a-z-]+)='(.*)'$")


def _output(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""


def pip_settings() -> dict[str, str]:
    """``index-url`` and the like from ``pip config list`` (the last source pip lists wins)."""
    found: dict[str, str] = {}
    for line in _output([sys.executable, "-m", "pip", "config", "list"]).splitlines():
        matched = _LINE.match(line.strip())
        if matched and matched.group(1) in PIP_SETTINGS:
            found[matched.group(1)] = matched.group(2)
    return found


def index_build_args(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The build arguments pointing the builds at this machine's index and registry."""
    environ = os.environ if environ is None else environ
    arguments: dict[str, str] = {}
    for setting, value in pip_settings().items():
        for name in PIP_SETTINGS[setting]:
            arguments[name] = value
    for name in UV_INDEX_ARGS:  # uv's own setting, when given, wins over pip's
        if environ.get(name):
            arguments[name] = environ[name]
    registry = _output(["npm", "config", "get", "registry"]).strip()
    if registry and registry != "undefined":
        arguments[NPM_REGISTRY] = registry
    return arguments


def index_credentials(arguments: Mapping[str, str]) -> list[str]:
    """The passwords (and ``user:password`` pairs) inside the index URLs of ``arguments``: a
    private index's token must not reach a failing build's log tail shown to the user."""
    found: list[str] = []
    for value in arguments.values():
        for url in value.split():
            try:
                parts = urlsplit(url)
                password, username = parts.password, parts.username
            except ValueError:
                continue
            if password:
                found += [f"{username}:{password}", password] if username else [password]
            elif username and "@" in parts.netloc:  # a token given as the user name alone
                found.append(username)
    return found


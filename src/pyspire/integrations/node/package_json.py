"""Reading an app's ``package.json``: does it exist, and does it define the script to run?

Checked when the resource starts (not when the model is built), so a package.json written by a
generator step that runs first is seen; what is wrong fails only that resource, with a message
naming the file, what it has and the fix — never a traceback of pyspire's.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyspire.errors import ConfigurationError

PACKAGE_JSON = "package.json"


def require_package_json(app_dir: Path, resource: str) -> Path:
    """The path of ``app_dir``'s package.json, or the error saying how to create one."""
    path = app_dir / PACKAGE_JSON
    if not path.is_file():
        raise ConfigurationError(
            f"resource '{resource}': {path} does not exist; create it with `npm init -y` in "
            f"{app_dir}, or pass the folder that holds the app's package.json"
        )
    return path


def package_scripts(app_dir: Path, resource: str) -> dict[str, str]:
    """The ``scripts`` of ``app_dir``'s package.json (name → command)."""
    path = require_package_json(app_dir, resource)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"resource '{resource}': cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"resource '{resource}': {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}); fix the file"
        ) from None
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return {}
    return {str(k): str(v) for k, v in scripts.items()}


def require_script(app_dir: Path, script: str, resource: str) -> None:
    """Return when package.json defines ``script``; otherwise say which scripts it has."""
    scripts = package_scripts(app_dir, resource)
    if script in scripts:
        return
    has = ", ".join(sorted(scripts)) if scripts else "none"
    raise ConfigurationError(
        f"resource '{resource}': {app_dir / PACKAGE_JSON} has no script '{script}' (its scripts: {has}); "
        f'add "{script}" to its "scripts", or pass script= one of those'
    )

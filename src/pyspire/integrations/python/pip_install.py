"""The ``with_pip()`` installer: create the venv if missing, then install the app's dependencies.

Run as a script (``python pip_install.py VENV APP_DIR``) by the app host's own interpreter, so it
imports only the standard library — never pyspire — and starts in milliseconds. Its output is the
installer resource's log; its exit code is pip's.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path


def interpreter(env: Path) -> Path:
    for relative in ("bin/python", "bin/python3", "Scripts/python.exe"):
        if (env / relative).is_file():
            return env / relative
    return env / "bin" / "python"


def has_pip(python: Path) -> bool:
    return subprocess.run([python, "-c", "import pip"], capture_output=True).returncode == 0


def install_command(python: Path, app_dir: Path) -> list[str] | None:
    """``pip install -r requirements.txt``, else ``pip install -e .`` for a project, else nothing."""
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
    if (app_dir / "requirements.txt").is_file():
        return [*pip, "-r", str(app_dir / "requirements.txt")]
    if (app_dir / "pyproject.toml").is_file() or (app_dir / "setup.py").is_file():
        return [*pip, "-e", str(app_dir)]
    return None


def main(env: Path, app_dir: Path) -> int:
    python = interpreter(env)
    if not python.is_file():
        print(f"creating the virtual environment {env}", flush=True)
        venv.create(env, with_pip=True)
        python = interpreter(env)
    elif not has_pip(python):
        print(f"{env} has no pip: installing it (ensurepip)", flush=True)
        subprocess.run([python, "-m", "ensurepip", "--default-pip"], check=True)
    command = install_command(python, app_dir)
    if command is None:
        print(
            f"nothing to install: {app_dir} has no requirements.txt, pyproject.toml or setup.py", flush=True
        )
        return 0
    print("running", " ".join(command[2:]), flush=True)
    return subprocess.run(command, cwd=app_dir).returncode


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))

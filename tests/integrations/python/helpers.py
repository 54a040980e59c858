"""Small pieces the Python integration's tests share: real venvs and a script that reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: A script that writes which interpreter ran it and a few variables to $REPORT_TO, then says so.
REPORT_SCRIPT = """\
import json, os, sys
keys = ("PYTHONUNBUFFERED", "OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED", "OTEL_SERVICE_NAME")
report = {"prefix": sys.prefix, "executable": sys.executable, "env": {k: os.environ.get(k) for k in keys}}
open(os.environ["REPORT_TO"], "w").write(json.dumps(report))
print("reported")
"""


def make_venv(path: Path) -> Path:
    """A real virtual environment without pip (fast: no ensurepip)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return path


def write_report_app(app_dir: Path) -> Path:
    app_dir.mkdir(parents=True, exist_ok=True)
    (app_dir / "report.py").write_text(REPORT_SCRIPT)
    return app_dir


def read_report(path: Path) -> dict[str, object]:
    report: dict[str, object] = json.loads(path.read_text())
    return report

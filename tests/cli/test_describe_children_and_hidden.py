"""`pyspire describe` lists each child under its parent and leaves hidden resources out unless
--all, which marks them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PYSPIRE = str(Path(sys.executable).parent / "pyspire")

pytestmark = pytest.mark.slow

APPHOST = textwrap.dedent(
    """
    import sys
    from pyspire import DistributedApplication

    IDLE = "import time; time.sleep(3600)"
    builder = DistributedApplication.create_builder()
    db = builder.add_executable("db", sys.executable, ".", "-c", IDLE)
    builder.add_executable("db-admin", sys.executable, ".", "-c", IDLE).with_parent(db)
    builder.add_executable("db-exporter", sys.executable, ".", "-c", IDLE).with_parent(db).hidden()
    builder.add_executable("web", sys.executable, ".", "-c", IDLE)
    builder.build().run()
    """
)


def cli(*args: str, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run([PYSPIRE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"pyspire {' '.join(args)} → {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def names_in_order(table: str, names: list[str]) -> list[str]:
    """The table's rows, reduced to the first cell (with its indentation marker)."""
    rows = []
    for line in table.splitlines():
        cell = line.strip().split("  ")[0].strip()
        if any(cell.endswith(n) or cell.endswith(f"{n} (hidden)") for n in names):
            rows.append(cell)
    return rows


def test_describe_lists_children_under_their_parent_and_hides_internal_resources(tmp_path):
    env = dict(os.environ, PYSPIRE_STATE_HOME=str(tmp_path / "state"), COLUMNS="200", NO_COLOR="1")
    app = tmp_path / "shop"
    app.mkdir()
    (app / "apphost.py").write_text(APPHOST)
    cli("start", cwd=app, env=env)
    try:
        names = ["db", "db-admin", "db-exporter", "web"]
        assert names_in_order(cli("describe", cwd=app, env=env), names) == ["db", "└ db-admin", "web"]
        assert names_in_order(cli("describe", "--all", cwd=app, env=env), names) == [
            "db",
            "└ db-admin",
            "└ db-exporter (hidden)",
            "web",
        ]
        listed = json.loads(cli("describe", "--format", "json", cwd=app, env=env))
        assert [(s["name"], s["parent"]) for s in listed] == [("db", None), ("db-admin", "db"), ("web", None)]
        assert "Parent" in cli("describe", "db-admin", cwd=app, env=env)
        every = json.loads(cli("describe", "--all", "--format", "json", cwd=app, env=env))
        exporter = next(s for s in every if s["name"] == "db-exporter")
        assert exporter["hidden"] is True and {"resource": "db", "type": "Parent"} in exporter["relationships"]
        assert not next(s for s in every if s["name"] == "db")["hidden"]
    finally:
        cli("stop", cwd=app, env=env)

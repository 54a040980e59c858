"""Small Node projects the tests write into a temp folder: an http server on node's own ``http``
module (no dependency, so ``npm ci`` runs offline in a moment), a package.json around it, and a
stand-in package manager that records how it was called."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

#: Answers every request with its NODE_ENV and pid; listens on $PORT (or the first argument).
SERVER_JS = """\
const http = require("http");
const port = Number(process.env.PORT || process.argv[2]);
http.createServer((req, res) => {
  res.end(JSON.stringify({ from: "node", nodeEnv: process.env.NODE_ENV, pid: process.pid }));
}).listen(port, "127.0.0.1", () => console.log(`listening on ${port}`));
"""

#: Fetches the URL in $SERVER_HTTP (what with_reference gives) and prints the body.
PYTHON_CLIENT = (
    "import os, urllib.request; "
    "print('got', urllib.request.urlopen(os.environ['SERVER_HTTP'], timeout=10).read().decode(), flush=True)"
)


def write_server(folder: Path, scripts: dict[str, str] | None = None) -> Path:
    """``server.js`` in ``folder``; with ``scripts``, a package.json (no dependencies) too."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "server.js").write_text(SERVER_JS)
    if scripts is not None:
        write_package_json(folder, scripts)
    return folder


def write_package_json(folder: Path, scripts: dict[str, str], **extra: object) -> None:
    package = {"name": folder.name.lower(), "version": "1.0.0", "private": True, "scripts": scripts, **extra}
    (folder / "package.json").write_text(json.dumps(package, indent=2))


def fake_package_manager(bin_dir: Path, name: str, record: Path) -> None:
    """A program called ``name`` in ``bin_dir`` that appends its arguments and folder to
    ``record`` (one JSON line per call) and exits 0: a pnpm or yarn that is not installed here."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    program = bin_dir / name
    program.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"with open({str(record)!r}, 'a') as f:\n"
        f"    f.write(json.dumps({{'program': {name!r}, 'args': sys.argv[1:], 'cwd': os.getcwd(), "
        "'node_env': os.environ.get('NODE_ENV')}) + '\\n')\n"
    )
    program.chmod(program.stat().st_mode | stat.S_IXUSR)


def node_only_path(bin_dir: Path, *folders: Path) -> str:
    """A PATH of ``folders``, then ``bin_dir`` holding links to node and npm only: a pnpm or yarn
    installed on the developer's machine is not found, whatever else its folder holds."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for program in ("node", "npm"):
        found = shutil.which(program)
        assert found is not None, f"{program} must be installed for these tests"
        (bin_dir / program).symlink_to(found)
    return os.pathsep.join(str(f) for f in (*folders, bin_dir))

"""The page's files: ``static/index.html`` and ``static/assets/*`` (built from dashboard-ui/).

Vite names every asset after a hash of its content, so an asset can be cached for good
(``immutable``): a new build has new names. ``index.html`` names the current ones, so it is
revalidated on every load (``no-cache``) and a rebuilt page shows at the next reload.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.responses import FileResponse, HTMLResponse, Response

STATIC_DIR = Path(__file__).parent / "static"
#: Asset names as Vite writes them (``index-DE8FtQoF.js``): nothing that could leave the folder.
_ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
ASSET_CACHE = "public, max-age=31536000, immutable"
PAGE_CACHE = "no-cache"


def index_response(static_dir: Path = STATIC_DIR) -> Response:
    index = static_dir / "index.html"
    if not index.is_file():
        return HTMLResponse(
            "<!doctype html><title>pyspire dashboard</title><p>The dashboard's page is not built "
            "(no index.html in the pyspire package): run <code>bash scripts/build-dashboard.sh</code> "
            "in a pyspire checkout, or reinstall pyspire.</p>",
            status_code=503,
            headers={"cache-control": "no-store"},
        )
    return FileResponse(index, media_type="text/html; charset=utf-8", headers={"cache-control": PAGE_CACHE})


def asset_response(name: str, static_dir: Path = STATIC_DIR) -> Response | None:
    """The asset ``name`` (one file name under ``assets/``), or None when there is none."""
    if not _ASSET_NAME.fullmatch(name) or ".." in name:
        return None
    path = static_dir / "assets" / name
    if not path.is_file():
        return None
    return FileResponse(path, headers={"cache-control": ASSET_CACHE})

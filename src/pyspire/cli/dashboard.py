"""``pyspire dashboard``: open the running app host's dashboard in a browser, logged in.

The login link the app host printed at start works once; this asks the app host for a fresh one
(``POST /v1/dashboard/login``) and opens it, or prints it (``--print``, and whenever no browser
can be opened: over SSH, in a container, on a machine without a desktop).
"""

from __future__ import annotations

import os
import sys
import webbrowser

import click
from rich.markup import escape

from pyspire.cli.client import ApiError
from pyspire.cli.output import err, fail, out
from pyspire.cli.session import api_errors, connect

DASHBOARD_OFF = (
    "the dashboard is off for this app host (PYSPIRE_DASHBOARD=0 in its environment or in the .env "
    "beside apphost.py); unset it and restart the app host to have one"
)


@click.command()
@click.argument("apphost", required=False, type=click.Path(path_type=str))
@click.option("--print", "print_only", is_flag=True, help="Print the login link instead of opening a browser.")
def dashboard(apphost: str | None, print_only: bool) -> None:
    """Open the dashboard of APPHOST (default: the one in or above this folder), logged in."""
    with api_errors(), connect(apphost) as client:
        try:
            url = client.dashboard_login()
        except ApiError as exc:
            if exc.status in (404, 405):
                fail(DASHBOARD_OFF, 1)
            raise
    if print_only:
        click.echo(url)
        return
    if _open_browser(url):
        out().print(f"opened the dashboard in your browser ({escape(url.split('/login')[0])})")
        return
    err().print("no browser could be opened here; open this link (it works once, for 15 minutes):")
    click.echo(url)


def _open_browser(url: str) -> bool:
    """Open ``url`` in a graphical browser (or ``$BROWSER``). On Linux without a display there is
    none, and Python's fallbacks are terminal browsers that would take over this terminal."""
    graphical = sys.platform in ("darwin", "win32") or any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")
    )
    if not graphical:
        return False
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False

"""The few pages the server writes itself: what someone without a session sees."""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}"
    "code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px;white-space:nowrap}"
)


def _page(title: str, body: str, status: int) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>",
        status_code=status,
        headers={"cache-control": "no-store"},
    )


def not_logged_in(reason: str) -> HTMLResponse:
    """401 with how to get in: a login link is printed at start, and ``pyspire dashboard`` makes another."""
    return _page(
        "pyspire dashboard: log in",
        f"<p>{escape(reason)}</p>"
        "<p>Open the dashboard with the login link the app host printed when it started "
        "(<code>Login: http://127.0.0.1:…/login?t=…</code>). A link works once and for 15 minutes; "
        "for a fresh one run <code>pyspire dashboard</code> in the app's folder "
        "(<code>--print</code> prints it instead of opening a browser).</p>",
        401,
    )


def not_found(path: str) -> HTMLResponse:
    return _page("Not found", f"<p>The dashboard has no page at <code>{escape(path)}</code>; "
                 "it starts at <a href=\"/\">/</a>.</p>", 404)


def wrong_host(expected: str) -> HTMLResponse:
    return _page("Wrong address", f"<p>The dashboard answers only at <code>{escape(expected)}</code>.</p>", 421)

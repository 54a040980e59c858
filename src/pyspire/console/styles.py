"""How terminal output looks, shared by the app host's console and the CLI: the colour of each
state and health (from :mod:`pyspire.state_rules`, the one table), and the width to lay out for
when the output is not a terminal.

Dependency-free, so that CLI commands (``pyspire ps``, ``describe``) can use it without loading
the app host's machinery."""

from pyspire.state_rules import HEALTH_STYLES, STATE_STYLES, UNKNOWN_STYLE, style_of

__all__ = ["HEALTH_STYLES", "STATE_STYLES", "UNKNOWN_STYLE", "UNWRAPPED_WIDTH", "style_of"]

#: Width for a console that is not a terminal (a pipe, a CI log): wide enough that rich never
#: wraps, where it would otherwise assume 80 columns and split paths and URLs in two.
UNWRAPPED_WIDTH = 10_000

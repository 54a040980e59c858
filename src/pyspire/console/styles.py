"""How terminal output looks, shared by the app host's console and the CLI: the colour of each
state and health, and the width to lay out for when the output is not a terminal.

A module without imports, so that CLI commands (``pyspire ps``, ``describe``) can use it without
loading the app host's machinery."""

#: Width for a console that is not a terminal (a pipe, a CI log): wide enough that rich never
#: wraps, where it would otherwise assume 80 columns and split paths and URLs in two.
UNWRAPPED_WIDTH = 10_000

STATE_STYLES = {
    "Running": "green",
    "Finished": "blue",
    "Exited": "yellow",
    "FailedToStart": "bold red",
    "ValueMissing": "bold red",
    "RuntimeUnhealthy": "bold red",
    "Waiting": "magenta",
    "Starting": "cyan",
    "Building": "cyan",
    "Stopping": "yellow",
    "NotStarted": "dim",
    "Healthy": "green",
    "Unhealthy": "red",
}

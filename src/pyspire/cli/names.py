"""Names given on the command line, checked before anything is sent.

A resource name goes into a URL path (``/v1/resources/NAME``): one that is not a resource name
(``..``, ``zzz/../other``) must never reach the app host as a different path, so it is refused
here with the rule it breaks, as a usage error (exit code 2). Replica names are
``<resource>-<suffix>`` and suffixes eight letters, so both follow the same rules. Command names
are free text in the app model: they are not checked, only escaped (see
:func:`pyspire.cli.client.path_segment`).
"""

from __future__ import annotations

import click

from pyspire.dns_labels import name_problem


def checked_name(value: str, what: str = "resource") -> str:
    problem = name_problem(value)
    if problem is not None:
        raise click.BadParameter(f"{value!r} is not a {what} name: {problem}")
    return value


def resource_argument(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Click callback for a RESOURCE argument (optional ones may be absent)."""
    return None if value is None else checked_name(value)


def resource_and_replica(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str | None, str | None]:
    """Click callback for ``RESOURCE[/REPLICA]``: ``(None, None)`` when absent."""
    if value is None:
        return None, None
    resource, slash, replica = value.partition("/")
    checked_name(resource)
    if slash:
        checked_name(replica, "replica")
    return resource, replica or None

"""Asking a person at a terminal what ``pyspire resource NAME COMMAND`` needs: the command's
declared arguments not given with ``--arg``, and its confirmation message.

Why ask at all: a required argument left out is otherwise a 400 to read and a command line to
retype, and ``--arg token=...`` puts a secret into the shell's history and the process list. A
secret argument is therefore read without echo. Only a terminal on both ends is asked (stdin to
type, stdout for the person to read): a script, a pipe or CI is never asked anything and gets
the API's answer, as before prompting existed.

Prompts go to stderr (rich, like the rest of the CLI's output), so ``--format json`` keeps stdout
clean even when a person answers them."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

import click
from rich.markup import escape
from rich.prompt import Confirm, Prompt

from pyspire.cli.client import AppHostClient
from pyspire.cli.output import err, fail


def on_terminal() -> bool:
    """Both stdin and stdout are a terminal: a person is there to read a question and answer it."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def from_environment(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--arg-from-env token=DEPLOY_TOKEN`` → ``{"token": <$DEPLOY_TOKEN>}``: a secret given
    without it showing in the command line. An unset variable is a usage error naming it."""
    given: dict[str, str] = {}
    for pair in pairs:
        key, sep, variable = pair.partition("=")
        if not sep or not key or not variable:
            raise click.BadParameter(
                f"{pair!r}: write KEY=ENVVAR (e.g. --arg-from-env token=DEPLOY_TOKEN)", param_hint="--arg-from-env"
            )
        value = os.environ.get(variable)
        if value is None:
            raise click.BadParameter(
                f"argument '{key}': the environment variable {variable} is not set; "
                f"export it first (export {variable}=...) or leave --arg-from-env {pair} out",
                param_hint="--arg-from-env",
            )
        given[key] = value
    return given


def find_command(snapshot: Mapping[str, Any], command: str) -> dict[str, Any] | None:
    """The command's entry in a resource snapshot (None: not there; the API then says why)."""
    for entry in snapshot.get("commands") or []:
        if isinstance(entry, dict) and entry.get("name") == command:
            return entry
    return None


def asked_at_terminal(
    client: AppHostClient, name: str, command: str, given: Mapping[str, str], every: bool, confirm: bool
) -> dict[str, str]:
    """What the person at the terminal answers: the confirmation first (declining costs no
    typing), then the missing arguments. A command the snapshot does not list is sent as it is:
    the API says what is wrong with it. Declining, or Ctrl+D, ends the command (exit 1) unrun."""
    entry = find_command(client.resource(name), command)
    if entry is None:
        return {}
    try:
        if confirm and not confirmed(entry):
            fail(f"{command} {name} was not run (declined)")
        return asked_arguments(entry, given, every)
    except EOFError:
        err().print()
        fail(f"{command} {name} was not run (no answer)")
    return {}


def confirmed(entry: Mapping[str, Any]) -> bool:
    """Ask the command's confirmation message, if it has one; no is the default (Enter declines)."""
    message = entry.get("confirmation_message")
    if not message:
        return True
    return Confirm.ask(f"[bold]{escape(str(message))}[/]", console=err(), default=False)


def asked_arguments(entry: Mapping[str, Any], given: Mapping[str, str], every: bool) -> dict[str, str]:
    """Values for the declared arguments not in ``given``: every required one, and with ``every``
    (``--prompt``) the optional ones too. An optional answer left empty is not sent (the app host
    then fills in its default, a secret one's too, which the snapshot never shows)."""
    answers: dict[str, str] = {}
    for argument in entry.get("arguments") or []:
        name = str(argument["name"])
        if name in given or not (argument.get("required") or every):
            continue
        value = _ask(argument)
        if value:
            answers[name] = value
    return answers


def _ask(argument: Mapping[str, Any]) -> str:
    """One argument: its label (and name), its description on the line above, its default offered;
    a secret one read without echo. A required one is asked again until it has a value."""
    console = err()
    name = str(argument["name"])
    label = str(argument.get("label") or name)
    required = bool(argument.get("required"))
    secret = bool(argument.get("secret"))
    default = argument.get("default")
    if argument.get("description"):
        console.print(f"[dim]{escape(str(argument['description']))}[/]")
    shown = escape(label) + (f" [dim]({escape(name)})[/]" if label != name else "")
    hint = "" if required or default is not None else " [dim](optional, Enter skips)[/]"
    question = f"[bold]{shown}[/]{' [red]*[/]' if required else ''}{hint}"
    while True:
        if default is not None and not secret:
            value = Prompt.ask(question, console=console, default=str(default), show_default=True)
        else:
            value = Prompt.ask(question, console=console, password=secret)
        if value or not required:
            return value
        console.print(f"[red]{escape(label)} is required[/]")

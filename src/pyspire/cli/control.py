"""Commands that act: ``pyspire resource`` (run a command), ``pyspire wait`` (until a resource
is running / healthy / completed) and ``pyspire stop`` (stop app hosts and wait until they are gone)."""

from __future__ import annotations

import os
import queue
import signal
import sys
import time
from typing import Any

import click
from rich.markup import escape

from pyspire.cli.client import ApiError, AppHostClient, AppHostUnreachable
from pyspire.cli.command_prompts import asked_at_terminal, from_environment, on_terminal
from pyspire.cli.names import resource_argument
from pyspire.cli.output import APPHOST_OPTION, FORMAT_OPTION, err, fail, out, print_json, progress, styled
from pyspire.cli.selection import SelectionError, candidates, describe_host, select_apphost
from pyspire.cli.session import api_errors, connect
from pyspire.cli.watching import watch_in_background
from pyspire.runtime.apphosts import RunningAppHost
from pyspire.states import FAILED_STATES, TERMINAL_STATES, HealthStatus, ResourceState

_ENDED = TERMINAL_STATES


@click.command()
@click.argument("name", callback=resource_argument)
@click.argument("command")
@click.option("--arg", "arguments", multiple=True, metavar="KEY=VALUE", help="An argument of the command (repeatable); a secret one is safer typed at the prompt.")
@click.option(
    "--arg-from-env",
    "from_env",
    multiple=True,
    metavar="KEY=ENVVAR",
    help="An argument's value from an environment variable (repeatable): a secret kept out of the command line.",
)
@click.option(
    "-i",
    "--prompt",
    "every",
    is_flag=True,
    help="On a terminal, ask for the optional declared arguments too (required ones are always asked).",
)
@click.option("--no-input", is_flag=True, help="Never ask anything, even on a terminal (as in a script).")
@click.option("-y", "--yes", is_flag=True, help="Run a command that asks for confirmation without asking.")
@APPHOST_OPTION
@FORMAT_OPTION
def resource(
    name: str,
    command: str,
    arguments: tuple[str, ...],
    from_env: tuple[str, ...],
    every: bool,
    no_input: bool,
    yes: bool,
    apphost: str | None,
    output_format: str,
) -> None:
    """Run COMMAND (start, stop, restart, or a custom one) on resource NAME; exits 1 if it fails.

    On a terminal, the command's required arguments not given are asked for (a secret one without
    echo, the safe way to give it) and a destructive command asks for confirmation (--yes skips
    it); without a terminal, or with --no-input, nothing is asked."""
    given = _arguments(arguments)
    for key, value in from_environment(from_env).items():
        if key in given:
            raise click.BadParameter(f"argument '{key}' is given by --arg and by --arg-from-env; keep one")
        given[key] = value
    with api_errors(), connect(apphost) as client:
        if on_terminal() and not no_input:
            given |= asked_at_terminal(client, name, command, given, every=every, confirm=not yes)
        with progress(f"{escape(command)} {name}…"):
            result = client.command(name, command, given)
        if output_format == "json":
            print_json(result)
        elif result["success"]:
            state = result["snapshot"]["state"]
            message = f": {escape(result['message'])}" if result.get("message") else ""
            out().print(f"[green]✓[/] {escape(command)} {name}{message} (now {styled(state)})")
        else:
            reason = escape(result.get("message") or "no reason given")
            err().print(f"[red]✗[/] {escape(command)} {name} failed: {reason}")
    if not result["success"]:
        sys.exit(1)


def _arguments(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--arg region=eu-west-2`` → ``{"region": "eu-west-2"}``."""
    given: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r}: write KEY=VALUE (e.g. --arg region=eu-west-2)", param_hint="--arg")
        given[key] = value
    return given


def _verdict(snapshot: dict[str, Any], condition: str) -> tuple[bool | None, str]:
    """(True: met | False: cannot be met any more | None: keep waiting, what to say)."""
    state = snapshot["state"]
    name = snapshot["name"]
    restarting = (snapshot.get("state_message") or "").startswith("restarting")
    ended = state in _ENDED and not restarting
    if condition == "completed":
        if ended and state != ResourceState.FAILED_TO_START:
            code = snapshot.get("exit_code")
            if code == 0:
                return True, f"{name} completed (exit code 0)"
            return False, f"{name} ended with exit code {code}"
        if state in FAILED_STATES:
            return False, f"{name} is {state}: {snapshot.get('state_message') or ''}".rstrip(": ")
        return None, f"{name} is {state}"
    if state == ResourceState.RUNNING and (
        condition == "running" or snapshot.get("health_status") == HealthStatus.HEALTHY
    ):
        return True, f"{name} is {'Running' if condition == 'running' else 'Running and Healthy'}"
    if ended or state == ResourceState.VALUE_MISSING:
        detail = snapshot.get("state_message") or (
            f"exit code {snapshot['exit_code']}" if snapshot.get("exit_code") is not None else ""
        )
        return False, f"{name} is {state}" + (f" ({detail})" if detail else "")
    health = f", {snapshot['health_status']}" if snapshot.get("health_status") else ""
    return None, f"{name} is {state}{health}"


@click.command()
@click.argument("name", callback=resource_argument)
@click.option(
    "--for", "condition", type=click.Choice(["running", "healthy", "completed"]), default="healthy", show_default=True
)
@click.option("--timeout", type=click.FloatRange(min=0), default=60.0, show_default=True, help="Seconds.")
@APPHOST_OPTION
def wait(name: str, condition: str, timeout: float, apphost: str | None) -> None:
    """Wait until resource NAME is running, healthy or completed (exit code 0); exits 1 on
    timeout or when that can no longer happen (it failed, or completed with another exit code)."""
    with api_errors(), connect(apphost) as client:
        client.resource(name)  # a clear 404 before waiting for nothing
        events = watch_in_background(client, name, kinds=("snapshot", "closing"))
        deadline = time.monotonic() + timeout
        said = f"{name}: waiting"
        with progress(f"waiting for {name} to be {condition}…") as status:
            while True:
                remaining = deadline - time.monotonic()
                try:
                    kind, data = events.get(timeout=max(0.0, remaining))
                except queue.Empty:
                    fail(f"timed out after {timeout:g}s waiting for {name} to be {condition}; {said}")
                if kind == "error":
                    raise data
                if kind == "closing":
                    fail(f"the app host stopped while waiting for {name} to be {condition}")
                met, said = _verdict(data, condition)
                if status is not None:
                    status.update(f"waiting for {name} to be {condition}… ({said})")
                if met is True:
                    out().print(f"[green]✓[/] {escape(said)}")
                    return
                if met is False:
                    fail(f"{said}; it will not become {condition}")


def _signal(host: RunningAppHost) -> None:
    """Ask through the API; if it does not answer, SIGTERM (the app host stops the same way)."""
    try:
        with AppHostClient(host, timeout=5.0) as client:
            client.stop()
    except (ApiError, AppHostUnreachable):
        if host.is_alive():
            os.kill(host.pid, signal.SIGTERM)


@click.command()
@click.option("--all", "every", is_flag=True, help="Stop every app host running on this machine.")
@click.option("--timeout", type=click.FloatRange(min=0), default=60.0, show_default=True, help="Seconds to wait.")
@APPHOST_OPTION
def stop(every: bool, timeout: float, apphost: str | None) -> None:
    """Stop the app host (the one in or above this folder, or --apphost) and wait until it and
    everything it started are gone."""
    if every:
        hosts = candidates()
        if not hosts:
            out().print("no app host is running")
            return
    else:
        try:
            hosts = [select_apphost(apphost)]
        except SelectionError as exc:
            fail(str(exc), 2)
    started = time.monotonic()
    for host in hosts:
        _signal(host)
    pending = list(hosts)
    with progress(f"stopping {len(hosts)} app host(s)…"):
        while pending and time.monotonic() - started < timeout:
            for host in [h for h in pending if not h.is_alive()]:
                pending.remove(host)
                out().print(f"[green]✓[/] stopped {escape(describe_host(host))} in {time.monotonic() - started:.1f}s")
            time.sleep(0.05)
    if pending:
        listed = ", ".join(describe_host(h) for h in pending)
        fail(f"still running after {timeout:g}s: {listed}; `kill -9 <pid>` ends it (its reaper then cleans up)")

"""One state vocabulary: every state has a display style and a command-enablement rule, the
console, the CLI and the API's command list read the same tables, and the JSON the API serves is
the plain state names clients have always parsed."""

from __future__ import annotations

import subprocess
import sys

from pyspire import DistributedApplication, testing
from pyspire.cli.output import styled
from pyspire.console.summary import state_style
from pyspire.executor.commands import built_in_states
from pyspire.state_rules import COMMAND_RULES, HEALTH_STYLES, STATE_STYLES, CommandState, style_of
from pyspire.states import (
    ACTIVE_STATES,
    FAILED_STATES,
    SETTLED_STATES,
    STARTING_STATES,
    STOPPED_STATES,
    TERMINAL_STATES,
    HealthStatus,
    ResourceState,
)
from tests.conftest import PYTHON


def test_every_state_has_a_display_style_and_a_command_rule():
    assert set(STATE_STYLES) == set(ResourceState), "a state without a style, or a style for no state"
    assert set(COMMAND_RULES) == set(ResourceState), "a state without a command-enablement rule"
    assert set(HEALTH_STYLES) == set(HealthStatus)


def test_the_console_and_the_cli_colour_each_state_from_the_one_table():
    for state, style in STATE_STYLES.items():
        assert state_style(state) == style
        assert styled(state) == f"[{style}]{state}[/]"
    for health, style in HEALTH_STYLES.items():
        assert styled(health) == f"[{style}]{health}[/]"
    assert style_of("SomethingNewer") is None and state_style("SomethingNewer") == "white"


def test_start_is_offered_exactly_when_nothing_runs_or_the_resource_waits():
    for state in ResourceState:
        start = built_in_states(state)["start"]
        if state in STOPPED_STATES or state == ResourceState.WAITING:
            assert start == CommandState.ENABLED, state
        else:
            assert start != CommandState.ENABLED, state


def test_nothing_can_be_commanded_while_a_transition_is_under_way():
    for state in STARTING_STATES - {ResourceState.WAITING} | {ResourceState.STOPPING}:
        assert set(built_in_states(state).values()) == {CommandState.DISABLED}, state


def test_named_sets_hold_only_states_and_do_not_contradict_each_other():
    assert TERMINAL_STATES <= SETTLED_STATES and FAILED_STATES <= SETTLED_STATES
    assert not ACTIVE_STATES & TERMINAL_STATES
    assert not STARTING_STATES & SETTLED_STATES
    assert ResourceState.RUNNING in ACTIVE_STATES & SETTLED_STATES


def test_the_cli_styles_states_without_loading_the_app_host():
    code = (
        "import sys, pyspire.state_rules, pyspire.console.styles; "
        "print(sorted(m for m in sys.modules if m.split('.')[:2] in "
        "(['pyspire', 'app'], ['pyspire', 'executor'], ['pyspire', 'orchestrator'], ['pyspire', 'api'])))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


async def test_the_api_serves_states_health_and_command_states_as_plain_names(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("sleeper", PYTHON, ".", "-c", "import time; time.sleep(600)")
    builder.add_parameter("missing")
    async with testing.start(builder) as app:
        await app.wait_for_resource("sleeper")
        async with app.api_client() as client:
            sleeper = (await client.get("/v1/resources/sleeper")).json()
            missing = (await client.get("/v1/resources/missing")).json()
            schema = (await client.get("/v1/openapi.json")).json()["components"]["schemas"]
    assert (sleeper["state"], sleeper["health_status"]) == ("Running", "Healthy")
    assert {c["name"]: c["state"] for c in sleeper["commands"]} == {
        "start": "hidden",
        "stop": "enabled",
        "restart": "enabled",
    }
    assert missing["state"] == "ValueMissing"
    assert schema["ResourceSnapshot"]["properties"]["state"]["enum"] == [s.value for s in ResourceState]

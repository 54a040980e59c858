"""The runner's transition table: every (phase, event) pair, written out here by hand.

A rule added to, changed in or missing from :mod:`pyspire.executor.phases` fails this test, and so
does a phase or an event added to the enums without a row or column here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pyspire.executor
from pyspire.errors import PyspireError
from pyspire.executor.phases import IllegalTransition, RunnerEvent, RunnerPhase, Transition, next_phase
from pyspire.states import ResourceState

P, E = RunnerPhase, RunnerEvent

#: Columns, in this order. A cell names the next phase; "-" is a refusal (IllegalTransition); a
#: lowercase cell keeps the phase and does nothing (``act=False``).
COLUMNS = {
    "N": P.NOT_STARTED,
    "W": P.WAITING,
    "B": P.BLOCKED,
    "S": P.STARTING,
    "L": P.LAUNCHED,
    "F": P.FAILED_TO_START,
    "U": P.UP_TO_DATE,
    "X": P.STOPPING,
    "D": P.STOPPED,
}

TABLE = """
                        N  W  B  S  L  F  U  X  D
    START_DEFERRED      N  -  -  -  -  -  -  -  -
    START_REQUESTED     S  S  S  S  S  S  S  -  S
    WAITS_PENDING       -  W  -  W  L  F  -  -  -
    WAITS_SATISFIED     -  S  -  S  -  -  -  -  -
    DEPENDENCY_FAILED   -  B  -  -  -  -  -  -  -
    DEPENDENCY_RECOVERED -  -  W  -  -  -  -  -  -
    REPLICA_CREATED     -  S  -  S  L  F  -  -  -
    FOUND_UP_TO_DATE    -  -  -  U  -  -  -  -  -
    REPLICAS_CREATED    -  L  -  L  -  F  -  -  -
    START_FAILED        -  F  -  F  F  F  -  -  -
    REPLICA_EXITED      -  W  -  S  L  F  -  x  d
    REPLICA_DELETED     -  W  -  S  L  F  -  x  d
    STOP_REQUESTED      X  X  X  X  X  X  X  -  X
    REPLICAS_ENDED      -  -  -  -  -  -  -  D  -
"""


def _rows() -> dict[RunnerEvent, dict[RunnerPhase, str]]:
    header, *lines = [line.split() for line in TABLE.strip().splitlines()]
    assert header == list(COLUMNS)
    return {E[event]: dict(zip((COLUMNS[c] for c in header), cells, strict=True)) for event, *cells in lines}


ROWS = _rows()
PAIRS = [(phase, event) for event in RunnerEvent for phase in RunnerPhase]


def test_the_table_has_a_row_for_every_event_and_a_column_for_every_phase():
    assert set(ROWS) == set(RunnerEvent)
    assert set(COLUMNS.values()) == set(RunnerPhase)


@pytest.mark.parametrize(("phase", "event"), PAIRS, ids=[f"{p.name}-{e.name}" for p, e in PAIRS])
def test_every_phase_and_event_pair_moves_the_runner_as_the_table_says(phase, event):
    cell = ROWS[event][phase]
    if cell == "-":
        with pytest.raises(IllegalTransition) as refused:
            next_phase(phase, event)
        assert (refused.value.phase, refused.value.event) == (phase, event)
    elif cell.islower():
        assert next_phase(phase, event) == Transition(COLUMNS[cell.upper()], act=False)
    else:
        assert next_phase(phase, event) == Transition(COLUMNS[cell], act=True)


def test_a_refusal_is_an_internal_error_naming_the_phase_and_the_event():
    with pytest.raises(IllegalTransition) as refused:
        next_phase(P.LAUNCHED, E.REPLICAS_ENDED)
    assert isinstance(refused.value, PyspireError)
    message = str(refused.value)
    assert message.startswith("internal error: a runner in phase LAUNCHED")
    assert "'replicas ended'" in message and "bug" in message


def test_each_phase_shows_a_resource_state_while_it_has_no_replicas():
    assert {phase: phase.shown for phase in RunnerPhase} == {
        P.NOT_STARTED: ResourceState.NOT_STARTED,
        P.WAITING: ResourceState.WAITING,
        P.BLOCKED: ResourceState.FAILED_TO_START,
        P.STARTING: ResourceState.STARTING,
        P.LAUNCHED: ResourceState.STARTING,
        P.FAILED_TO_START: ResourceState.FAILED_TO_START,
        P.UP_TO_DATE: ResourceState.FINISHED,
        P.STOPPING: ResourceState.STOPPING,
        P.STOPPED: ResourceState.NOT_STARTED,
    }


def test_a_runner_changes_phase_only_through_the_transition_function():
    """Every assignment to a ``phase`` attribute in the executor package is the initial phase
    or the one in ``RunnerCore.advance``, right after :func:`next_phase` approved it."""
    assignments = []
    for path in sorted(Path(pyspire.executor.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "phase":
                    assignments.append((path.name, ast.unparse(node)))
    assert assignments == [
        ("runner_core.py", "self.phase = RunnerPhase.NOT_STARTED"),
        ("runner_core.py", "self.phase = transition.phase"),
    ]

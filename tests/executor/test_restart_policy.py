"""The restart policy's decisions, over crash loops longer than any test could wait for."""

from __future__ import annotations

from pyspire.executor.restart_policy import RestartBackoff
from pyspire.model.lifecycle import RestartPolicyAnnotation

STARTED, STOPPED = "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.050Z"


def test_a_crash_loop_of_any_length_keeps_restarting_at_the_maximum_backoff():
    # 0.1 × 2**1024 overflows a float: an app host crash-looping at the 0.1 s floor died after
    # its 1,024th restart in a row.
    backoff = RestartBackoff(RestartPolicyAnnotation("always", initial_backoff=0.1, max_backoff=30))
    delays = [backoff.decide("api-abc", 0, 1, STARTED, STOPPED).delay for _ in range(5_000)]
    assert delays[:4] == [0.1, 0.2, 0.4, 0.8]
    assert set(delays[9:]) == {30}
    last = backoff.decide("api-abc", 0, 1, STARTED, STOPPED)
    assert last.message == "api-abc exited (1); restarting in 30.0s (exited 5001 times in a row)"


def test_the_streak_is_per_replica_and_resets_after_a_long_enough_run():
    backoff = RestartBackoff(
        RestartPolicyAnnotation("on_failure", initial_backoff=1, max_backoff=8, max_restarts=3, reset_after=60)
    )
    assert [backoff.decide("a", 0, 2, STARTED, STOPPED).delay for _ in range(3)] == [1, 2, 4]
    assert backoff.decide("a", 0, 2, STARTED, STOPPED) == backoff.decide("a", 0, 2, STARTED, STOPPED)
    stopped = backoff.decide("a", 0, 2, STARTED, STOPPED)
    assert stopped.delay is None and "not restarting after 3 restarts in a row" in stopped.message
    assert backoff.decide("b", 1, 2, STARTED, STOPPED).delay == 1  # another replica: its own streak
    ran_long = backoff.decide("a", 0, 2, STARTED, "2026-01-01T00:01:00.000Z")
    assert ran_long.delay == 1 and ran_long.message.endswith("(exited once)")
    assert not backoff.wants(0) and backoff.wants(2)

"""The restart policy's decisions: whether a replica that exited by itself restarts, and when.

Kept apart from the runner so the rules are in one place: ``never`` / ``on_failure`` (non-zero
exit) / ``always``; the delay starts at ``initial_backoff`` and doubles up to ``max_backoff`` with
each exit *in a row*; a replica that ran at least ``reset_after`` seconds starts a new streak; after
``max_restarts`` restarts in a row it stays down. The streak is per replica index (a replacement
replica continues its predecessor's streak) and is the only per-restart state kept: one integer
per replica, however long the loop runs.

The streak is not the restart count. The count (``restart_count`` in the snapshot, "Restarts" in
``pyspire describe``, the "restart N" in the log) says how many times the app host replaced a
replica by itself, for any reason, since it started; the streak only sets the backoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pyspire.model.lifecycle import RestartPolicyAnnotation

#: Enough doublings to take any backoff from the 0.1 s floor past any maximum (2**60 × 0.1 s is
#: over 3,000 years), few enough to stay a float.
_MAX_DOUBLINGS = 60


@dataclass(frozen=True)
class RestartDecision:
    """``delay`` is None when the replica stays down; ``message`` says so, or when it restarts."""

    delay: float | None
    message: str


class RestartBackoff:
    def __init__(self, policy: RestartPolicyAnnotation) -> None:
        self.policy = policy
        self._streaks: dict[int, int] = {}

    def wants(self, exit_code: int | None) -> bool:
        return self.policy.policy == "always" or (self.policy.policy == "on_failure" and exit_code != 0)

    def decide(
        self, name: str, index: int, exit_code: int | None, started_at: str | None, stopped_at: str | None
    ) -> RestartDecision:
        """For a replica that exited by itself (and that :meth:`wants` restarting)."""
        policy = self.policy
        ran = _seconds_between(started_at, stopped_at)
        streak = 0 if ran is not None and ran >= policy.reset_after else self._streaks.get(index, 0)
        if policy.max_restarts is not None and streak >= policy.max_restarts:
            return RestartDecision(
                None, f"{name} exited; not restarting after {streak} restarts in a row (max_restarts)"
            )
        # The exponent stops growing once the delay is at its maximum: 0.1 × 2**1024 would
        # overflow a float, after 1,024 exits in a row.
        doublings = min(streak, _MAX_DOUBLINGS)
        delay = min(policy.max_backoff, policy.initial_backoff * 2**doublings)
        self._streaks[index] = streak + 1
        times = "once" if streak == 0 else f"{streak + 1} times in a row"
        return RestartDecision(
            delay, f"{name} exited ({exit_code}); restarting in {delay:.1f}s (exited {times})"
        )

    def reset(self) -> None:
        """A start by command begins every streak anew."""
        self._streaks.clear()


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return None

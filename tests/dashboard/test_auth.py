"""Login tokens and sessions on their own (a clock the test moves): a login link stops working
after its first use and after 15 minutes, and neither secrets pile up without bound."""

from __future__ import annotations

from pyspire.dashboard.auth import MAX_PENDING_TOKENS, TOKEN_LIFETIME_SECONDS, DashboardAuth


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_login_token_works_once_and_gives_a_session():
    auth = DashboardAuth()
    token = auth.new_login_token()
    session = auth.redeem(token)
    assert session is not None and auth.is_session(session)
    assert auth.redeem(token) is None, "used already"
    assert not auth.is_session(token), "a login token is no session"
    assert auth.redeem(None) is None and auth.redeem("") is None and not auth.is_session(None)


def test_an_unused_login_link_expires_after_15_minutes():
    clock = Clock()
    auth = DashboardAuth(clock)
    early, late = auth.new_login_token(), auth.new_login_token()
    clock.now += TOKEN_LIFETIME_SECONDS - 1
    assert auth.redeem(early) is not None
    clock.now += 2
    assert auth.redeem(late) is None, "expired"


def test_unused_tokens_are_capped_the_oldest_going_first():
    auth = DashboardAuth()
    tokens = [auth.new_login_token() for _ in range(MAX_PENDING_TOKENS + 5)]
    assert auth.redeem(tokens[0]) is None
    assert auth.redeem(tokens[-1]) is not None

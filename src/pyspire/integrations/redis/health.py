"""The Redis health check: a real ``PING`` with the password, through the proxy, as a client on
this host would send it. A TCP check would pass as soon as the proxy listens; this one passes
only once Redis itself answers and accepts the password."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from pyspire.extensions import HealthCheckContext, connection_string_of
from pyspire.integrations.imports import import_off_loop

#: Below the app host's per-check timeout, so a hung server reports its own error.
_SOCKET_TIMEOUT = 1.5


async def ping_redis(ctx: HealthCheckContext) -> str | None:
    """``None`` (healthy) when Redis answers PONG; otherwise why not, the password masked."""
    connection_string = connection_string_of(ctx.resource)
    if connection_string is None:
        return "the resource has no connection string"
    url = await ctx.resolve(connection_string)
    await import_off_loop("redis.asyncio")
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import RedisError

    client = Redis.from_url(
        url,
        socket_connect_timeout=_SOCKET_TIMEOUT,
        socket_timeout=_SOCKET_TIMEOUT,
        retry=Retry(NoBackoff(), 0),  # the monitor checks again soon; a retry here only delays
    )
    try:
        answer = await client.ping()
    except (RedisError, OSError) as exc:
        return _masked(f"no answer to PING: {type(exc).__name__}: {exc}", url)
    finally:
        await client.aclose()
    return None if answer is True else _masked(f"PING answered {answer!r}", url)


def _masked(message: str, url: str) -> str:
    """``message`` without the password in ``url`` (the app host masks secrets as well; an
    error text quoting the URL must not depend on that alone)."""
    message = message.replace(url, "redis://***")
    password = urlsplit(url).password or ""
    for secret in sorted({password, unquote(password)} - {""}, key=len, reverse=True):
        message = message.replace(secret, "***")
    return message

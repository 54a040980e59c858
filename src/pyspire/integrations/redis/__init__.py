"""Redis: a container with a generated password, a health check that talks to Redis, an
optional data volume, and a connection string redis clients accept.

``RedisBuilderMethods`` gives the app's builder ``add_redis``::

    cache = builder.add_redis("cache").with_data_volume()
    builder.add_executable("worker", ...).with_reference(cache).wait_for(cache)

A process referencing ``cache`` receives ``ConnectionStrings__cache`` =
``redis://:<password>@localhost:<port>`` and ``CACHE_HOST``, ``CACHE_PORT``, ``CACHE_PASSWORD``,
``CACHE_URI``; a container receives ``cache:6379`` instead.
"""

from __future__ import annotations

from pyspire.integrations.passwords import server_password
from pyspire.integrations.redis.health import ping_redis
from pyspire.integrations.redis.resource import (
    DEFAULT_IMAGE,
    DEFAULT_TAG,
    ENDPOINT,
    PASSWORD_ENV,
    TARGET_PORT,
    RedisBuilder,
    RedisResource,
    server_args,
)
from pyspire.model.arguments import Arg
from pyspire.model.builder import AppModelBuilder, ParameterBuilder
from pyspire.model.containers import ContainerImageAnnotation

__all__ = ["RedisBuilder", "RedisBuilderMethods", "RedisResource", "ping_redis"]

_EXAMPLE = "add_redis('cache', port=6380)"


class RedisBuilderMethods(AppModelBuilder):
    """The Redis integration's methods on the app's builder."""

    def add_redis(self, name: str, port: int | None = None, password: ParameterBuilder | None = None) -> RedisBuilder:
        """A Redis server (image ``docker.io/library/redis:7.4``; ``with_image`` changes it) with
        endpoint ``tcp`` (``port`` fixes the host port, else one is chosen), healthy once it
        answers PING. ``password``: a secret parameter; by default ``<name>-password``, generated
        at the first run and kept in ``.pyspire/settings.json``."""
        resource = RedisResource(str(name), ContainerImageAnnotation(DEFAULT_IMAGE, DEFAULT_TAG))
        redis = RedisBuilder(self, resource)
        self.add_resource(redis)
        if redis._rejects(
            "add_redis",
            Arg("name", name, "text", _EXAMPLE),
            Arg("port", port, "whole number", _EXAMPLE, optional=True),
            defines_resource=True,
        ):
            return redis
        password_choice = server_password(self, name, password)
        resource.password = password_choice.value
        if password_choice.problem is not None:
            redis._reject("add_redis password", password_choice.problem)
        if password_choice.generated is not None:
            password_choice.generated.with_parent(redis)
        (
            redis.with_endpoint(ENDPOINT, port=port, target_port=TARGET_PORT)
            .with_env(PASSWORD_ENV, resource.password)
            .with_entrypoint("/bin/sh")
            .with_args(server_args)
            .with_health_check(ping_redis, name="redis-ping")
        )
        return redis

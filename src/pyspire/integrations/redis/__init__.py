"""Redis: a container with a generated password, a health check that talks to Redis, an
optional data volume, and a connection string redis clients accept.

``RedisBuilderMethods`` gives the app's builder ``add_redis``."""

from __future__ import annotations

from pyspire.model.builder import AppModelBuilder


class RedisBuilderMethods(AppModelBuilder):
    """The Redis integration's methods on the app's builder."""

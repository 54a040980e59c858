"""The Redis resource and its builder: a container whose command line never carries the password.

The server starts as ``/bin/sh -c 'exec redis-server --requirepass "$REDIS_PASSWORD" …'``: the
password travels in the container's environment (which pyspire hands to the engine in a private
env file, and masks wherever it shows env), so neither ``ps`` nor ``podman inspect``'s command
line shows it. Aspire's Redis integration starts its server the same way. The script ends with
``"$@"``, so ``with_args("--maxmemory", "64mb")`` still reaches ``redis-server``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Self

from pyspire.extensions import url_encoded
from pyspire.model import ContainerBuilder, ValueProvider, expr
from pyspire.model.annotations import ArgsCallbackContext
from pyspire.model.arguments import Arg
from pyspire.model.containers import ContainerImageAnnotation
from pyspire.model.endpoints import EndpointReference
from pyspire.model.resources import ContainerResource

DEFAULT_IMAGE = "docker.io/library/redis"
DEFAULT_TAG = "7.4"
#: The endpoint every Redis resource serves, and the port the server listens on inside.
ENDPOINT = "tcp"
TARGET_PORT = 6379
#: Where the data volume is mounted (the official image's workdir and volume).
DATA_DIR = "/data"
PASSWORD_ENV = "REDIS_PASSWORD"

_NO_PERSISTENCE = "--save '' --appendonly no"
#: A snapshot each minute when a key changed, plus an append-only file (fsynced every second),
#: so a restart right after a write still finds it.
_PERSISTENCE = f"--dir {DATA_DIR} --save 60 1 --appendonly yes"


class RedisResource(ContainerResource):
    """A Redis server in a container, reached with a password through ``tcp``."""

    resource_type: ClassVar[str] = "Redis"

    def __init__(self, name: str, image: ContainerImageAnnotation) -> None:
        super().__init__(name, image)
        #: The password (a secret parameter); set by ``add_redis`` right after the resource.
        self.password: ValueProvider | None = None
        #: Whether the server saves its data (``with_data_volume``); read at each start.
        self.persistent_data = False

    @property
    def primary_endpoint(self) -> EndpointReference:
        return EndpointReference(self, ENDPOINT)

    @property
    def server_script(self) -> str:
        """What ``/bin/sh -c`` runs: the password from the environment, never from the args."""
        persistence = _PERSISTENCE if self.persistent_data else _NO_PERSISTENCE
        return f'exec redis-server --requirepass "${PASSWORD_ENV}" {persistence} "$@"'

    @property
    def connection_string(self) -> ValueProvider | None:
        """``redis://:<password>@<host>:<port>``: what ``redis.Redis.from_url``, RQ and
        node-redis accept (the password percent-encoded, as a URL needs)."""
        if self.password is None:
            return None
        tcp = self.primary_endpoint
        return expr("redis://:", url_encoded(self.password), "@", tcp.host, ":", tcp.port)

    @property
    def connection_properties(self) -> Mapping[str, ValueProvider | str] | None:
        """``{NAME}_HOST``, ``_PORT``, ``_PASSWORD`` (as is) and ``_URI`` (the connection string)."""
        url = self.connection_string
        if self.password is None or url is None:
            return None
        tcp = self.primary_endpoint
        return {"HOST": tcp.host, "PORT": tcp.port, "PASSWORD": self.password, "URI": url}


class RedisBuilder(ContainerBuilder):
    """What ``add_redis`` returns: a container builder (``with_image``, ``with_lifetime``,
    ``wait_for``…) plus ``with_data_volume``."""

    resource: RedisResource

    def with_data_volume(self, name: str | None = None) -> Self:
        """Keep the data in the named volume ``name`` at ``/data`` (default: a name derived from
        the app host's folder and the resource, the same at every run), with persistence on."""
        if self._rejects("with_data_volume", Arg("", name, "text", "with_data_volume('cache-data')", optional=True)):
            return self
        self.resource.persistent_data = True
        return self.with_volume(name or self.stable_volume_name("data"), DATA_DIR)


def server_args(ctx: ArgsCallbackContext) -> None:
    """``-c <script> redis-server``: the last word is ``$0``, the user's ``with_args`` follow."""
    assert isinstance(ctx.resource, RedisResource)
    ctx.args.extend(["-c", ctx.resource.server_script, "redis-server"])



"""The cluster's kubeconfigs: read the one k3s writes, derive the host and container variants.

k3s writes an admin kubeconfig (``server: https://127.0.0.1:6443``, the cluster CA, a client
certificate and key) into the bind-mounted ``raw/`` folder. Neither address works for our
clients: a process on the host reaches the API through the endpoint's host port, a container
through the server's network alias. So two variants are derived, each naming the cluster,
context and user after the resource (so several clusters merge into one ``KUBECONFIG`` without
clashing), with the CA and client credentials unchanged.

Each variant is written atomically (temp file + rename, 0600: it holds the admin key) and only
when its bytes change: readers (kubectl in a container, the port-forwarder) never see half a
file, and an unchanged cluster costs no write at all (its inode and mtime stay as they were).
Pure functions apart from :func:`write_if_changed` and :func:`derive`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pyspire.extensions import write_atomic
from pyspire.integrations.k3s.errors import InvalidKubeconfig
from pyspire.integrations.k3s.paths import ClusterPaths

#: The port the k3s API server listens on inside its container.
API_PORT = 6443


@dataclass(frozen=True)
class Credentials:
    """What a client of the cluster needs from the kubeconfig: where, whom to trust, who it is.
    The ``*_data`` fields are base64 as in the kubeconfig; ``*_pem`` decode them."""

    server: str
    ca_data: str
    client_cert_data: str
    client_key_data: str

    @property
    def ca_pem(self) -> bytes:
        return base64.b64decode(self.ca_data)

    @property
    def client_cert_pem(self) -> bytes:
        return base64.b64decode(self.client_cert_data)

    @property
    def client_key_pem(self) -> bytes:
        return base64.b64decode(self.client_key_data)

    @property
    def fingerprint(self) -> str:
        """Changes exactly when the CA or the client credentials change (a recreated cluster):
        what tells the cluster's client it must be rebuilt. The server address is not part of it."""
        digest = hashlib.sha256()
        for part in (self.ca_data, self.client_cert_data, self.client_key_data):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()


def parse_raw(text: bytes | str) -> Credentials:
    """The credentials of the current context of the kubeconfig k3s wrote; raises
    :class:`InvalidKubeconfig` saying what is missing (a file caught half-written says so too)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidKubeconfig(f"the server's kubeconfig is not YAML ({exc})") from None
    if not isinstance(doc, dict):
        raise InvalidKubeconfig("the server's kubeconfig is empty or not a mapping")
    context = _named(doc, "contexts", doc.get("current-context"), "context")
    cluster = _named(doc, "clusters", context.get("cluster"), "cluster")
    user = _named(doc, "users", context.get("user"), "user")
    fields = {
        "server": cluster.get("server"),
        "certificate-authority-data": cluster.get("certificate-authority-data"),
        "client-certificate-data": user.get("client-certificate-data"),
        "client-key-data": user.get("client-key-data"),
    }
    missing = [key for key, value in fields.items() if not isinstance(value, str) or not value]
    if missing:
        raise InvalidKubeconfig(f"the server's kubeconfig has no {', '.join(missing)}")
    for key in ("certificate-authority-data", "client-certificate-data", "client-key-data"):
        try:
            base64.b64decode(str(fields[key]), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidKubeconfig(f"the server's kubeconfig's {key} is not base64") from None
    return Credentials(
        server=str(fields["server"]),
        ca_data=str(fields["certificate-authority-data"]),
        client_cert_data=str(fields["client-certificate-data"]),
        client_key_data=str(fields["client-key-data"]),
    )


def _named(doc: dict[str, Any], section: str, name: object, key: str) -> dict[str, Any]:
    """The ``key`` mapping of the entry ``name`` in ``doc[section]`` (the first entry when the
    kubeconfig names none, as a lone-context file may)."""
    entries = doc.get(section)
    if not isinstance(entries, list) or not entries:
        raise InvalidKubeconfig(f"the server's kubeconfig has no {section}")
    found = next((e for e in entries if isinstance(e, dict) and e.get("name") == name), None)
    if found is None and name is None:
        found = entries[0]
    if not isinstance(found, dict) or not isinstance(found.get(key), dict):
        raise InvalidKubeconfig(f"the server's kubeconfig has no {key} named {name!r} in {section}")
    entry: dict[str, Any] = found[key]
    return entry


def render(credentials: Credentials, name: str, server: str) -> bytes:
    """A kubeconfig for ``server`` with ``credentials``; cluster, context and user named ``name``.
    Deterministic (same input, same bytes), which is what lets writes be skipped."""
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": name, "cluster": {"server": server, "certificate-authority-data": credentials.ca_data}}
        ],
        "users": [
            {
                "name": name,
                "user": {
                    "client-certificate-data": credentials.client_cert_data,
                    "client-key-data": credentials.client_key_data,
                },
            }
        ],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
        "preferences": {},
    }
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False).encode()


def host_server(host_port: int) -> str:
    """Where a process on this host reaches the API: the endpoint's host port on loopback
    (``localhost`` is among the server certificate's names)."""
    return f"https://localhost:{host_port}"


def container_server(cluster_name: str) -> str:
    """Where a container of the app reaches the API: the server's network alias, port 6443."""
    return f"https://{cluster_name}:{API_PORT}"


def host_variant(credentials: Credentials, cluster_name: str, host_port: int) -> bytes:
    return render(credentials, cluster_name, host_server(host_port))


def container_variant(credentials: Credentials, cluster_name: str) -> bytes:
    return render(credentials, cluster_name, container_server(cluster_name))


def write_if_changed(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data`` atomically (0600, the folder 0700) unless it already holds
    exactly these bytes; whether it wrote."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, data, private_folder=True)
    return True


@dataclass(frozen=True)
class Derived:
    """The outcome of one :func:`derive`: the credentials and which files were (re)written."""

    credentials: Credentials
    written: tuple[Path, ...]


def derive(paths: ClusterPaths, cluster_name: str, host_port: int) -> Derived | None:
    """Read the raw kubeconfig and bring both variants up to date; ``None`` while the server has
    not written it yet. Raises :class:`InvalidKubeconfig` for a file that is not usable (yet)."""
    try:
        raw = paths.raw_kubeconfig.read_bytes()
    except FileNotFoundError:
        return None
    credentials = parse_raw(raw)
    written = tuple(
        path
        for path, data in (
            (paths.host_kubeconfig, host_variant(credentials, cluster_name, host_port)),
            (paths.container_kubeconfig, container_variant(credentials, cluster_name)),
        )
        if write_if_changed(path, data)
    )
    return Derived(credentials, written)


def remove_files(paths: ClusterPaths, *, raw: bool) -> None:
    """Remove the derived kubeconfigs (and the server's own file when ``raw``: a cluster that
    will be created afresh must not be read from its predecessor's file)."""
    for path in (*paths.derived_files, *((paths.raw_kubeconfig,) if raw else ())):
        path.unlink(missing_ok=True)

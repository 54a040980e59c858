"""The kubeconfigs derived from the one k3s writes: the host variant points at the endpoint's
host port on localhost, the container variant at ``https://<name>:6443``, both keep the CA and
the client credentials, and they are written atomically (0600, a private folder) and only when
their bytes change — an unchanged cluster leaves inode and mtime as they were."""

from __future__ import annotations

import os
import stat

import pytest
import yaml

from pyspire.errors import PyspireError
from pyspire.integrations.k3s.errors import InvalidKubeconfig
from pyspire.integrations.k3s.kubeconfig import (
    container_variant,
    derive,
    host_variant,
    parse_raw,
    remove_files,
    write_if_changed,
)
from pyspire.integrations.k3s.paths import ClusterPaths
from tests.integrations.k3s.pki import make_pki


@pytest.fixture(scope="module")
def pki():
    return make_pki()


def _server_wrote(tmp_path, pki) -> ClusterPaths:
    """A cluster folder in which the server has written its kubeconfig."""
    paths = ClusterPaths(tmp_path / "k8s")
    paths.raw_dir.mkdir(parents=True)
    paths.raw_kubeconfig.write_bytes(pki.raw_kubeconfig())
    return paths


def _only(doc: dict, section: str) -> dict:
    (entry,) = doc[section]
    return entry


def test_host_variant_points_at_localhost_on_the_host_port_and_keeps_ca_and_client_credentials(pki):
    credentials = parse_raw(pki.raw_kubeconfig())
    doc = yaml.safe_load(host_variant(credentials, "k8s", 41234))
    cluster, user = _only(doc, "clusters")["cluster"], _only(doc, "users")["user"]
    assert cluster["server"] == "https://localhost:41234"
    assert cluster["certificate-authority-data"] == credentials.ca_data
    assert credentials.ca_pem == pki.ca_pem
    assert user["client-certificate-data"] == credentials.client_cert_data
    assert credentials.client_key_pem == pki.client_key_pem


def test_container_variant_points_at_the_cluster_name_on_6443(pki):
    credentials = parse_raw(pki.raw_kubeconfig())
    doc = yaml.safe_load(container_variant(credentials, "k8s"))
    assert _only(doc, "clusters")["cluster"]["server"] == "https://k8s:6443"
    assert _only(doc, "clusters")["cluster"]["certificate-authority-data"] == credentials.ca_data


def test_both_variants_name_cluster_context_and_user_after_the_resource(pki):
    credentials = parse_raw(pki.raw_kubeconfig())
    for data in (host_variant(credentials, "dev", 1), container_variant(credentials, "dev")):
        doc = yaml.safe_load(data)
        assert doc["current-context"] == "dev"
        assert _only(doc, "contexts") == {"name": "dev", "context": {"cluster": "dev", "user": "dev"}}
        assert _only(doc, "clusters")["name"] == _only(doc, "users")["name"] == "dev"


def test_derive_writes_both_variants_0600_in_0700_folders(tmp_path, pki):
    paths = _server_wrote(tmp_path, pki)
    derived = derive(paths, "k8s", 40000)
    assert derived is not None
    assert set(derived.written) == {paths.host_kubeconfig, paths.container_kubeconfig}
    for path in derived.written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert yaml.safe_load(paths.host_kubeconfig.read_bytes())["clusters"][0]["cluster"]["server"] == (
        "https://localhost:40000"
    )


def test_deriving_again_from_an_identical_raw_file_writes_nothing_inode_and_mtime_unchanged(tmp_path, pki):
    paths = _server_wrote(tmp_path, pki)
    derive(paths, "k8s", 40000)
    before = {p: p.stat() for p in paths.derived_files}
    os.utime(paths.raw_kubeconfig)  # the server wrote the same bytes again
    again = derive(paths, "k8s", 40000)
    assert again is not None and again.written == ()
    for path, old in before.items():
        new = path.stat()
        assert (new.st_ino, new.st_mtime_ns) == (old.st_ino, old.st_mtime_ns)


def test_a_new_ca_in_the_raw_file_replaces_both_variants_by_rename(tmp_path, pki):
    paths = _server_wrote(tmp_path, pki)
    first = derive(paths, "k8s", 40000)
    assert first is not None
    inodes = {p: p.stat().st_ino for p in paths.derived_files}
    with open(paths.container_kubeconfig, "rb") as reader:  # a container reading it meanwhile
        recreated = make_pki()
        paths.raw_kubeconfig.write_bytes(recreated.raw_kubeconfig())
        second = derive(paths, "k8s", 40000)
        assert reader.read() == container_variant(first.credentials, "k8s")  # the old file, whole
    assert second is not None and set(second.written) == set(paths.derived_files)
    assert second.credentials.fingerprint != first.credentials.fingerprint
    assert all(p.stat().st_ino != inodes[p] for p in paths.derived_files)
    assert parse_raw(paths.host_kubeconfig.read_bytes()).ca_pem == recreated.ca_pem


def test_a_new_host_port_rewrites_only_the_host_variant(tmp_path, pki):
    paths = _server_wrote(tmp_path, pki)
    first = derive(paths, "k8s", 40000)
    second = derive(paths, "k8s", 40001)
    assert first is not None and second is not None
    assert second.written == (paths.host_kubeconfig,)
    assert second.credentials.fingerprint == first.credentials.fingerprint  # the client stays


def test_nothing_is_derived_before_the_server_wrote_its_kubeconfig(tmp_path):
    paths = ClusterPaths(tmp_path / "k8s")
    assert derive(paths, "k8s", 40000) is None
    assert not paths.host_kubeconfig.exists() and not paths.container_kubeconfig.exists()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (b"apiVersion: v1\nclusters:\n- cluster:\n    server: https://127", "no contexts"),
        (b"", "empty"),
        (b"{", "not YAML"),
    ],
)
def test_a_half_written_or_foreign_raw_file_is_invalid_and_says_what_is_missing(text, says):
    with pytest.raises(InvalidKubeconfig, match=says) as caught:
        parse_raw(text)
    assert isinstance(caught.value, PyspireError)


def test_a_raw_file_without_the_client_key_is_invalid_naming_the_field(pki):
    doc = yaml.safe_load(pki.raw_kubeconfig())
    del doc["users"][0]["user"]["client-key-data"]
    with pytest.raises(InvalidKubeconfig, match="client-key-data"):
        parse_raw(yaml.safe_dump(doc))


def test_write_if_changed_skips_identical_bytes_and_replaces_different_ones(tmp_path):
    path = tmp_path / "private" / "kubeconfig.yaml"
    assert write_if_changed(path, b"one") is True
    inode = path.stat().st_ino
    assert write_if_changed(path, b"one") is False and path.stat().st_ino == inode
    assert write_if_changed(path, b"two") is True and path.read_bytes() == b"two"
    assert path.stat().st_ino != inode  # renamed over, never rewritten in place
    assert [p.name for p in path.parent.iterdir()] == ["kubeconfig.yaml"]  # no temp file left


def test_remove_files_removes_the_derived_files_and_the_raw_one_only_when_asked(tmp_path, pki):
    paths = _server_wrote(tmp_path, pki)
    derive(paths, "k8s", 40000)
    remove_files(paths, raw=False)
    assert not any(p.exists() for p in paths.derived_files) and paths.raw_kubeconfig.exists()
    remove_files(paths, raw=True)
    assert not paths.raw_kubeconfig.exists()

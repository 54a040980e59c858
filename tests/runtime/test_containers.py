"""The container runtime against the real podman on this machine (no mocks).

Every container, network, volume and image a test makes has a unique name and is removed by the
``made`` fixture even when the test fails. The busybox image's PID 1 ignores SIGTERM, so stops use
a 0 s timeout.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from pyspire.runtime.containers import (
    ContainerEngineError,
    ContainerRuntime,
    Mount,
    NoContainerEngine,
    PortPublish,
    RunSpec,
    detect_runtime,
)

pytestmark = pytest.mark.containers

BUSYBOX = "localhost/pyspire-test/busybox:latest"


class Made:
    """Unique names for what a test creates, remembered so the fixture can remove it all."""

    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex[:10]
        self.containers: list[str] = []
        self.networks: list[str] = []
        self.volumes: list[str] = []
        self.images: list[str] = []

    def container(self, what: str = "c") -> str:
        name = f"pyspire-test-{what}-{self.tag}-{len(self.containers)}"
        self.containers.append(name)
        return name

    def network(self) -> str:
        name = f"pyspire-test-net-{self.tag}-{len(self.networks)}"
        self.networks.append(name)
        return name

    def volume(self) -> str:
        name = f"pyspire-test-vol-{self.tag}-{len(self.volumes)}"
        self.volumes.append(name)
        return name

    def image(self) -> str:
        name = f"localhost/pyspire-test/built-{self.tag}-{len(self.images)}:latest"
        self.images.append(name)
        return name


def _podman(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def podman() -> ContainerRuntime:
    binary = shutil.which("podman")
    if binary is None:
        pytest.fail("podman is not installed: run scripts/containers.sh")
    return ContainerRuntime("podman", binary)


@pytest.fixture
def made() -> Iterator[Made]:
    m = Made()
    yield m
    # In dependency order (containers hold networks and volumes); some are gone already.
    if m.containers:
        _podman("rm", "--ignore", "-f", "-v", "-t", "0", *m.containers)
    for network in m.networks:
        _podman("network", "rm", network)
    for volume in m.volumes:
        _podman("volume", "rm", volume)
    if m.images:
        _podman("rmi", "--ignore", "-f", *m.images)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def logs(runtime: ContainerRuntime, ref: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(runtime.logs_argv(ref, follow=False), capture_output=True, text=True, timeout=30)


async def until(check: Callable[[], Awaitable[str]], timeout: float = 10.0) -> str:
    """Retry ``check`` (a coroutine function) until it returns a truthy value or the time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = await check()
            if result:
                return result
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.1)


# -- detection -----------------------------------------------------------------------------------


async def test_detect_picks_podman_not_the_daemonless_docker_client(monkeypatch):
    monkeypatch.delenv("PYSPIRE_CONTAINER_RUNTIME", raising=False)
    runtime = await detect_runtime()
    assert runtime.name == "podman"
    assert runtime.host_alias == "host.containers.internal"
    assert os.path.isabs(runtime.binary)
    assert (await runtime.info())[0].isdigit()


async def test_detect_with_only_docker_allowed_says_why_and_how_to_fix(monkeypatch):
    monkeypatch.setenv("PYSPIRE_CONTAINER_RUNTIME", "docker")
    with pytest.raises(NoContainerEngine) as caught:
        await detect_runtime()
    message = str(caught.value)
    assert "docker" in message
    assert "PYSPIRE_CONTAINER_RUNTIME" in message
    assert "podman" in message  # the fix: install and configure podman
    assert [name for name, _ in caught.value.tried] == ["docker"]


async def test_detect_with_an_unknown_engine_names_the_allowed_values(monkeypatch):
    monkeypatch.setenv("PYSPIRE_CONTAINER_RUNTIME", "bogus")
    with pytest.raises(NoContainerEngine, match="bogus") as caught:
        await detect_runtime()
    assert "podman" in str(caught.value) and "docker" in str(caught.value)


# -- containers ----------------------------------------------------------------------------------


async def test_http_server_on_a_published_port_with_a_read_only_bind_mount(podman, made, tmp_path):
    (tmp_path / "hello.txt").write_text("hello from the host\n")
    port = free_port()
    spec = RunSpec(
        name=made.container("httpd"),
        image=BUSYBOX,
        args=("httpd", "-f", "-p", "8080", "-h", "/www"),
        ports=(PortPublish("127.0.0.1", port, 8080, "tcp"),),
        mounts=(Mount("bind", str(tmp_path), "/www", read_only=True),),
    )
    container_id = await podman.run(spec)

    def fetch() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello.txt", timeout=2) as response:
            return str(response.read().decode())

    async def fetched() -> str:
        return await asyncio.to_thread(fetch)

    assert await until(fetched) == "hello from the host\n"
    info = await podman.inspect(container_id)
    assert info is not None and info.running and info.state == "running"
    assert info.name == spec.name and info.image == BUSYBOX and info.exit_code is None

    code, output = await podman.exec(spec.name, ["sh", "-c", "echo nope > /www/new.txt"], timeout=10)
    assert code != 0
    assert "read-only" in output.lower()
    assert not (tmp_path / "new.txt").exists()


async def test_env_reaches_the_container_but_not_the_command_line(podman, made):
    secret = "s3cr3t value with spaces=and#hash"
    before = {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("pyspire-env-")}
    spec = RunSpec(
        name=made.container("env"),
        image=BUSYBOX,
        args=("sleep", "30"),
        env={"PYSPIRE_SECRET": secret, "EMPTY": "", "MULTI": "line one\nline two"},
    )
    await podman.run(spec)
    code, output = await podman.exec(
        spec.name, ["sh", "-c", 'printf "%s|%s|%s" "$PYSPIRE_SECRET" "$EMPTY" "$MULTI"'], 10
    )
    assert (code, output) == (0, f"{secret}||line one\nline two")
    # podman records the argv it was started with: the values are not in it, and the env file is gone.
    created = _podman("container", "inspect", "--format", "{{.Config.CreateCommand}}", spec.name).stdout
    assert "--env-file" in created and "PYSPIRE_SECRET" not in created and "s3cr3t" not in created
    assert "line one" not in created
    after = {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("pyspire-env-")}
    assert after <= before


async def test_entrypoint_and_args(podman, made):
    spec = RunSpec(
        name=made.container("entry"), image=BUSYBOX, entrypoint="/bin/echo", args=("hello", "world")
    )
    await podman.run(spec)
    assert await podman.wait(spec.name) == 0
    assert logs(podman, spec.name).stdout == "hello world\n"


async def test_inspect_and_list_by_every_label(podman, made):
    run_label = {"pyspire-test-run": made.tag}
    first = RunSpec(
        name=made.container(), image=BUSYBOX, args=("sleep", "30"), labels={**run_label, "role": "a"}
    )
    second = RunSpec(name=made.container(), image=BUSYBOX, args=("true",), labels={**run_label, "role": "b"})
    ids = [await podman.run(first), await podman.run(second)]
    await podman.wait(second.name)

    listed = await podman.list(run_label)
    assert sorted(c.id for c in listed) == sorted(ids)
    by_name = {c.name: c for c in listed}
    assert by_name[first.name].running and by_name[first.name].labels["role"] == "a"
    assert by_name[second.name].state == "exited" and by_name[second.name].exit_code == 0
    assert by_name[second.name].started_at and by_name[second.name].finished_at

    only_a = await podman.list({**run_label, "role": "a"})
    assert [c.name for c in only_a] == [first.name]
    assert await podman.list({"pyspire-test-run": "no-such-run-" + made.tag}) == []
    assert await podman.inspect("pyspire-test-missing-" + made.tag) is None


async def test_wait_returns_the_exit_code_and_stop_ends_a_running_container(podman, made):
    done = RunSpec(name=made.container(), image=BUSYBOX, args=("sh", "-c", "exit 3"))
    await podman.run(done)
    assert await podman.wait(done.name) == 3
    info = await podman.inspect(done.name)
    assert info is not None and info.exit_code == 3 and not info.running and info.finished_at

    sleeper = RunSpec(name=made.container(), image=BUSYBOX, args=("sleep", "30"))
    await podman.run(sleeper)
    waiting = asyncio.ensure_future(podman.wait(sleeper.name))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    started = time.monotonic()
    await podman.stop(sleeper.name, 0)  # busybox ignores SIGTERM: killed at once
    assert await asyncio.wait_for(waiting, 10) == 137
    assert time.monotonic() - started < 5
    # start again, stop again, then remove twice: gone things are not errors.
    await podman.start(sleeper.name)
    info = await podman.inspect(sleeper.name)
    assert info is not None and info.running
    await podman.remove(sleeper.name)
    await podman.remove(sleeper.name)
    await podman.stop(sleeper.name, 0.5)
    assert await podman.inspect(sleeper.name) is None


async def test_cancelling_wait_leaves_no_cli_process(podman, made):
    spec = RunSpec(name=made.container(), image=BUSYBOX, args=("sleep", "30"))
    await podman.run(spec)
    waiting = asyncio.ensure_future(podman.wait(spec.name))
    await asyncio.sleep(0.3)

    def wait_clis() -> list[int]:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if b"wait" in argv and spec.name.encode() in argv:
                found.append(int(pid))
        return found

    assert wait_clis()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert wait_clis() == []  # killed and reaped, not a zombie


async def test_exec_returns_code_and_combined_output_and_times_out(podman, made):
    spec = RunSpec(name=made.container(), image=BUSYBOX, args=("sleep", "30"))
    await podman.run(spec)
    code, output = await podman.exec(spec.name, ["sh", "-c", "echo out; echo err >&2; exit 4"], 10)
    assert code == 4
    assert "out" in output and "err" in output
    code, output = await podman.exec(spec.name, ["sh", "-c", "yes 0123456789 | head -c 100000"], 10)
    assert code == 0 and 4000 <= len(output) <= 4096
    started = time.monotonic()
    code, output = await podman.exec(spec.name, ["sleep", "10"], 0.5)
    assert code == 124 and "timed out" in output
    assert time.monotonic() - started < 4


async def test_logs_argv_keeps_stdout_and_stderr_apart(podman, made):
    spec = RunSpec(name=made.container(), image=BUSYBOX, args=("sh", "-c", "echo to-out; echo to-err >&2"))
    await podman.run(spec)
    assert await podman.wait(spec.name) == 0
    result = subprocess.run(podman.logs_argv(spec.name), capture_output=True, text=True, timeout=30)
    assert result.stdout == "to-out\n"
    assert result.stderr == "to-err\n"
    assert podman.logs_argv("x", follow=False, since="2024-01-01T00:00:00Z") == [
        podman.binary,
        "logs",
        "--since",
        "2024-01-01T00:00:00Z",
        "x",
    ]


async def test_missing_image_is_a_clear_error_and_leaves_nothing(podman, made):
    image = f"localhost/pyspire-test/missing-{made.tag}:latest"
    assert not await podman.image_exists(image)
    assert await podman.image_exists(BUSYBOX)
    name = made.container()
    with pytest.raises(ContainerEngineError) as caught:
        await podman.run(RunSpec(name=name, image=image))
    assert caught.value.command == "podman run"
    assert image in str(caught.value) and str(caught.value).startswith("podman run failed (exit 125): ")
    assert "\n" not in str(caught.value)
    assert await podman.inspect(name) is None


async def test_a_taken_port_is_an_error_and_frees_the_name(podman, made):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        name = made.container()
        spec = RunSpec(
            name=name, image=BUSYBOX, args=("sleep", "30"), ports=(PortPublish("127.0.0.1", port, 80, "tcp"),)
        )
        with pytest.raises(ContainerEngineError, match="address already in use"):
            await podman.run(spec)
    assert await podman.inspect(name) is None


# -- networks and volumes ------------------------------------------------------------------------


async def test_network_ensure_is_idempotent_and_containers_talk_by_alias(podman, made):
    network = made.network()
    labels = {"pyspire-test-run": made.tag}
    first, second = await asyncio.gather(
        podman.network_ensure(network, labels), podman.network_ensure(network, labels)
    )
    assert first == second
    assert first.name == network and first.labels == labels and first.gateways
    assert await podman.network_ensure(network, {}) == first
    assert await podman.network_inspect(network + "-missing") is None

    alias = f"svc-{made.tag}"
    server = RunSpec(
        name=made.container("server"),
        image=BUSYBOX,
        args=("sh", "-c", "echo pong > /tmp/ping && httpd -f -p 8080 -h /tmp"),
        network=network,
        aliases=(alias,),
        extra_hosts={"pyspire-test-extra": "10.1.2.3"},
    )
    client = RunSpec(name=made.container("client"), image=BUSYBOX, args=("sleep", "30"), network=network)
    await asyncio.gather(podman.run(server), podman.run(client))
    fetch = f"for i in $(seq 50); do wget -qO- http://{alias}:8080/ping && exit 0; sleep 0.1; done; exit 1"
    assert await podman.exec(client.name, ["sh", "-c", fetch], 15) == (0, "pong")
    code, hosts = await podman.exec(server.name, ["cat", "/etc/hosts"], 10)
    assert code == 0 and "10.1.2.3" in hosts and "pyspire-test-extra" in hosts

    await podman.remove(server.name)
    await podman.remove(client.name)
    await podman.network_remove(network)
    await podman.network_remove(network)
    assert await podman.network_inspect(network) is None


async def test_named_volume_persists_and_anonymous_volume_goes_with_its_container(podman, made):
    volume = made.volume()
    await podman.volume_ensure(volume, {"pyspire-test-run": made.tag})
    await podman.volume_ensure(volume, {"pyspire-test-run": made.tag})
    assert await podman.volume_exists(volume)
    writer = RunSpec(
        name=made.container("writer"),
        image=BUSYBOX,
        args=("sh", "-c", "echo persisted > /v/file"),
        mounts=(Mount("volume", volume, "/v"), Mount("volume", None, "/anon")),
    )
    await podman.run(writer)
    assert await podman.wait(writer.name) == 0
    anonymous = _podman("container", "inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}", writer.name)
    anonymous_names = [n for n in anonymous.stdout.split() if n != volume]
    assert len(anonymous_names) == 1
    reader = RunSpec(
        name=made.container("reader"),
        image=BUSYBOX,
        args=("cat", "/v/file"),
        mounts=(Mount("volume", volume, "/v"),),
    )
    await podman.run(reader)
    assert await podman.wait(reader.name) == 0
    assert logs(podman, reader.name).stdout == "persisted\n"

    await podman.remove(writer.name)
    assert not await podman.volume_exists(anonymous_names[0])
    with pytest.raises(ContainerEngineError):
        await podman.volume_remove(volume)  # still used by the reader
    await podman.remove(reader.name)
    await podman.volume_remove(volume)
    await podman.volume_remove(volume)
    assert not await podman.volume_exists(volume)


# -- images --------------------------------------------------------------------------------------


DOCKERFILE = f"""\
FROM {BUSYBOX} AS base
ARG GREETING
RUN --mount=type=secret,id=tok test "$(cat /run/secrets/tok)" = "token-value"
RUN echo "$GREETING" > /data/greeting

FROM base AS broken
ARG GREETING
RUN echo "leaking:$GREETING" && echo "the real reason" && false
"""


async def test_build_with_args_secrets_and_stage_then_a_failing_build(podman, made, tmp_path):
    context = tmp_path / "context"
    context.mkdir()
    (context / "Containerfile.test").write_text(DOCKERFILE)
    secret_file = tmp_path / "tok"
    secret_file.write_text("token-value\n")
    tag = made.image()
    lines: list[str] = []
    await podman.build(
        str(context),
        tag,
        lines.append,
        dockerfile="Containerfile.test",
        stage="base",
        build_args={"GREETING": "hello-build-arg"},
        secrets={"tok": str(secret_file)},
    )
    assert any("STEP" in line for line in lines)
    assert await podman.image_exists(tag)
    spec = RunSpec(name=made.container(), image=tag, args=("cat", "/data/greeting"))
    await podman.run(spec)
    assert await podman.wait(spec.name) == 0
    assert logs(podman, spec.name).stdout == "hello-build-arg\n"

    lines.clear()
    with pytest.raises(ContainerEngineError) as caught:
        await podman.build(
            str(context),
            made.image(),
            lines.append,
            dockerfile=str(context / "Containerfile.test"),
            build_args={"GREETING": "hello-build-arg"},
            secrets={"tok": str(secret_file)},
        )
    # The failed build leaves the layers it committed: remove them too (children first).
    made.images += reversed([line.split()[1] for line in lines if re.fullmatch(r"--> [0-9a-f]{8,}", line)])
    message = str(caught.value)
    assert message.startswith("podman build failed (exit ")
    assert "the real reason" in message  # the tail of the output, not just the last line
    assert "leaking:***" in message and "hello-build-arg" not in message
    assert any("leaking:hello-build-arg" in line for line in lines)  # the live output is the user's own


async def test_build_of_a_missing_context_fails_clearly(podman, made, tmp_path: Path):
    with pytest.raises(ContainerEngineError, match="podman build failed"):
        await podman.build(str(tmp_path / "nope"), made.image(), lambda line: None)


async def test_a_missing_binary_is_an_engine_error(made):
    runtime = ContainerRuntime("podman", f"/nonexistent/podman-{made.tag}")
    with pytest.raises(ContainerEngineError, match=r"^podman version failed \(exit 127\): cannot run"):
        await runtime.info()

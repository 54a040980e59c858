"""The foundation end to end: real processes behind real proxies, wired through the environment."""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import sys
from pathlib import Path

import httpx

from pyspire import ArgsCallbackContext, DistributedApplication, EnvironmentCallbackContext, expr, testing
from pyspire.console import ConsoleReporter
from tests.conftest import APPS, PYTHON

SECRET = "s3cr3t-api-key-value"


async def get_json(client: httpx.AsyncClient, url: str) -> dict:
    response = await client.get(url)
    response.raise_for_status()
    return response.json()


async def wait_for_file(path: Path, timeout: float = 10.0) -> dict:
    for _ in range(int(timeout / 0.05)):
        if path.exists():
            return json.loads(path.read_text())
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{path} was never written")


async def test_two_services_with_replicas_behind_the_proxy_and_every_env_convention(tmp_path, monkeypatch):
    monkeypatch.setenv("Parameters__api-key", SECRET)
    monkeypatch.setenv("ConnectionStrings__db", "postgres://shop:pw-db-9@dbhost:5432/shopdb")
    dump = tmp_path / "worker.json"

    def more_env(ctx: EnvironmentCallbackContext) -> None:
        ctx.env["FROM_CALLBACK"] = "yes"
        ctx.env["API_PORT_FROM_CALLBACK"] = api.get_endpoint("http").port

    async def more_args(ctx: ArgsCallbackContext) -> None:
        ctx.args.extend(["--api", api.get_endpoint("http")])

    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    api_key = builder.add_parameter("api-key", secret=True)
    db = builder.add_connection_string("db")
    api = (
        builder.add_executable("api", PYTHON, APPS, "http_env.py")
        .with_http_endpoint(env="PORT")
        .with_env("API_KEY", api_key)
        .with_reference(db)
        .with_replicas(2)
    )
    endpoint = api.get_endpoint("http")
    (
        builder.add_executable("worker", PYTHON, APPS, "dump_env.py")
        .with_reference(api)
        .with_env("API_HOST", endpoint.host)
        .with_env("DUMP_TO", str(dump))
        .with_env("API_BUILT", expr(endpoint.scheme, "://", endpoint.host, ":", endpoint.port, "/health"))
        .with_env(more_env)
        .with_args("--interval", "5")
        .with_args(more_args)
    )

    async with testing.start(builder) as app:
        api_snap = await app.wait_for_resource("api")
        await app.wait_for_resource("worker")
        url = app.endpoint_url("api")
        suffixes = {r.suffix for r in api_snap.replicas}
        assert len(suffixes) == 2
        assert {r.name for r in api_snap.replicas} == {f"api-{s}" for s in suffixes}
        assert all(len(s) == 8 and s.isalpha() and s.islower() for s in suffixes)

        # Both replicas answer through the one proxy port; each reply names its replica.
        seen = set()
        async with httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0)) as client:
            for _ in range(40):
                seen.add((await get_json(client, url))["replica"])
            api_env = (await get_json(client, url + "/env"))["env"]
        assert seen == {f"service.instance.id={s}" for s in suffixes}

        # What a replica receives: its listen port, the secret, the connection string and its parts.
        target_ports = {int(a) for a in app.executor.addresses.get("api", "http").target_ports}
        assert int(api_env["PORT"]) in target_ports
        assert int(api_env["PORT"]) != int(url.rsplit(":", 1)[1])
        assert api_env["API_KEY"] == SECRET
        assert api_env["ConnectionStrings__db"] == "postgres://shop:pw-db-9@dbhost:5432/shopdb"
        assert (api_env["DB_HOST"], api_env["DB_PORT"], api_env["DB_USERNAME"]) == ("dbhost", "5432", "shop")
        assert (api_env["DB_PASSWORD"], api_env["DB_DATABASE"]) == ("pw-db-9", "shopdb")
        assert api_env["DB_URI"] == api_env["ConnectionStrings__db"]
        assert api_env["OTEL_SERVICE_NAME"] == "api"
        assert api_env["OTEL_RESOURCE_ATTRIBUTES"].removeprefix("service.instance.id=") in suffixes
        assert not any(k.startswith(("Parameters__", "ConnectionStrings__db_")) for k in api_env)

        # What a referencing resource receives.
        worker = await wait_for_file(dump)
        env = worker["env"]
        assert env["services__api__http__0"] == url
        assert env["API_HTTP"] == url
        assert env["API_HOST"] == "localhost"
        assert env["API_BUILT"] == url + "/health"
        assert env["FROM_CALLBACK"] == "yes"
        assert env["API_PORT_FROM_CALLBACK"] == url.rsplit(":", 1)[1]
        assert env["OTEL_SERVICE_NAME"] == "worker"
        worker_suffix = app.resource("worker").replicas[0].suffix
        assert env["OTEL_RESOURCE_ATTRIBUTES"] == f"service.instance.id={worker_suffix}"
        assert worker["argv"] == ["--interval", "5", "--api", url]
        assert "API_KEY" not in env and "Parameters__api-key" not in env

        # Snapshots mask secrets and list URLs.
        shown = app.resource("api").env_dict()
        assert shown["API_KEY"] != SECRET and "s3cr3t" not in json.dumps(app.resource("api").to_dict())
        assert shown["ConnectionStrings__db"] != "postgres://shop:pw-db-9@dbhost:5432/shopdb"
        assert shown["DB_HOST"] == "dbhost"
        assert [u.url for u in app.resource("api").urls] == [url]
        pids = [r.pid for r in app.resource("api").replicas] + [
            r.pid for r in app.resource("worker").replicas
        ]
    # Leaving the harness stops every process.
    from tests.conftest import pid_alive

    assert not any(pid_alive(p) for p in pids if p)


async def test_udp_endpoint_through_the_proxy(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("dns", PYTHON, APPS, "udp_echo.py").with_endpoint(
        "dns", protocol="udp", env="PORT"
    ).with_replicas(2)
    async with testing.start(builder) as app:
        await app.wait_for_resource("dns")
        for _ in range(200):  # UDP has no dial to fail: wait until both replicas have bound
            if sum("udp listening" in line.text for line in app.logs("dns")) == 2:
                break
            await asyncio.sleep(0.02)
        port = int(app.endpoint_url("dns", "dns").rsplit(":", 1)[1])

        def exchange(payload: bytes) -> bytes:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(5)
                sock.sendto(payload, ("127.0.0.1", port))
                return sock.recv(65535)

        reply = await asyncio.to_thread(exchange, b"ping")
        assert reply.endswith(b"|ping") and reply.startswith(b"service.instance.id=")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_proxyless_fixed_port_is_bound_by_the_process_itself(tmp_path):
    port = free_port()
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("direct", PYTHON, APPS, "http_env.py").with_http_endpoint(
        port=port, env="PORT", proxied=False
    )
    async with testing.start(builder) as app:
        await app.wait_for_resource("direct")
        await app.wait_for_log("direct", "listening")
        assert app.endpoint_url("direct") == f"http://localhost:{port}"
        async with httpx.AsyncClient() as client:
            env = (await get_json(client, f"http://127.0.0.1:{port}/env"))["env"]
        assert env["PORT"] == str(port)
        assert app.orchestrator.proxies.stats  # the hub exists, but no proxy serves this endpoint
        assert (
            app.orchestrator.store.get("Service", "direct-http")["spec"]["addressAllocationMode"]
            == "Proxyless"
        )


async def test_taken_fixed_port_fails_only_its_resource(tmp_path):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = holder.getsockname()[1]
    try:
        builder = DistributedApplication.create_builder(app_dir=tmp_path)
        builder.add_executable("proxied", PYTHON, APPS, "http_env.py").with_http_endpoint(
            port=taken, env="PORT"
        )
        builder.add_executable("direct", PYTHON, APPS, "http_env.py").with_http_endpoint(
            port=taken, env="PORT", proxied=False
        )
        builder.add_executable("fine", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
        async with testing.start(builder) as app:
            await app.wait_for_resource("fine")
            for name in ("proxied", "direct"):
                snap = await app.wait_for_resource(name, "FailedToStart")
                assert str(taken) in snap.state_message
                assert f"pid {os.getpid()}" in snap.state_message, snap.state_message
            assert app.resource("fine").state == "Running"
    finally:
        holder.close()


async def test_missing_command_and_bad_working_dir_fail_only_their_resource(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("ghost", "/no/such/command", ".")
    builder.add_executable("lost", PYTHON, tmp_path / "missing-dir", "x.py")
    builder.add_executable("fine", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
    async with testing.start(builder) as app:
        ghost = await app.wait_for_resource("ghost", "FailedToStart")
        lost = await app.wait_for_resource("lost", "FailedToStart")
        await app.wait_for_resource("fine")
        assert "/no/such/command" in ghost.state_message and "not found" in ghost.state_message
        assert "not found" in app.log_text("ghost")  # the OS error is in the resource's log
        assert "missing-dir" in lost.state_message
        assert app.resource("fine").state == "Running"


async def test_missing_parameter_is_value_missing_and_blocks_only_its_users(tmp_path, monkeypatch):
    monkeypatch.delenv("Parameters__token", raising=False)
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    token = builder.add_parameter("token", secret=True)
    builder.add_executable("needs", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT").with_env(
        "TOKEN", token
    )
    builder.add_executable("fine", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
    async with testing.start(builder) as app:
        await app.wait_for_resource("fine")
        param = app.resource("token")
        assert param.state == "ValueMissing"
        assert "Parameters__token" in param.state_message and "settings.json" in param.state_message
        needs = await app.wait_for_resource("needs", "Waiting")
        assert "Parameters__token" in needs.state_message
        assert "waiting for parameter token" in app.log_text("needs")
        # Supplying the value later lets the waiting resource start.
        app.executor.set_value("token", "late-token-value")
        await app.wait_for_resource("needs")
        assert app.resource("token").state == "Running"


async def test_parameter_from_settings_file(tmp_path, monkeypatch):
    monkeypatch.delenv("Parameters__greeting", raising=False)
    (tmp_path / ".pyspire").mkdir()
    (tmp_path / ".pyspire" / "settings.json").write_text(json.dumps({"Parameters": {"greeting": "hi there"}}))
    dump = tmp_path / "env.json"
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    greeting = builder.add_parameter("greeting")
    builder.add_executable("c", PYTHON, APPS, "dump_env.py").with_env("G", greeting).with_env(
        "DUMP_TO", str(dump)
    )
    async with testing.start(builder) as app:
        await app.wait_for_resource("c")
        assert (await wait_for_file(dump))["env"]["G"] == "hi there"
        assert dict(app.resource("greeting").properties)["value"] == "hi there"


async def test_secret_never_appears_in_captured_output_or_console(tmp_path, monkeypatch):
    monkeypatch.setenv("Parameters__password", SECRET)
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    password = builder.add_parameter("password", secret=True)
    leaky = (
        "import os, sys; print('pw=' + os.environ['PW']); print('err ' + os.environ['PW'], file=sys.stderr)"
    )
    builder.add_executable("leaky", PYTHON, ".", "-c", leaky).with_env("PW", password)
    builder.add_executable("echoer", PYTHON, ".", "-c", "import sys; print(sys.argv[1])", password)
    console = io.StringIO()
    async with testing.start(builder) as app:
        reporter = ConsoleReporter(app.executor.snapshots, app.orchestrator.logs, stream=console, color=False)
        report = asyncio.create_task(reporter.report(settle_timeout=0.5))
        await app.wait_for_resource("leaky", "Finished")
        await app.wait_for_resource("echoer", "Finished")
        await asyncio.sleep(0.6)
        report.cancel()
        reporter.summary("done")
        captured = "\n".join(line.text for name in ("leaky", "echoer") for line in app.logs(name))
        assert "pw=***" in captured and "err ***" in captured
        snapshots = json.dumps([s.to_dict() for s in app.resources()])
    output = console.getvalue()
    assert "pw=***" in output
    for text in (captured, output, snapshots):
        assert SECRET not in text


async def test_output_is_captured_with_stream_and_timestamp(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    script = "import sys; print('to out'); print('to err', file=sys.stderr); sys.stdout.write('no newline')"
    builder.add_executable("talker", PYTHON, ".", "-c", script).with_log_buffer(2)
    builder.add_executable("crasher", PYTHON, ".", "-c", "raise SystemExit(3)")
    async with testing.start(builder) as app:
        snap = await app.wait_for_resource("talker", "Finished")
        assert snap.exit_code == 0
        lines = [line for line in app.logs("talker") if line.stream != "system"]
        texts = {(line.stream, line.text) for line in lines}
        assert ("stderr", "to err") in texts or ("stdout", "no newline") in texts
        assert all(line.timestamp > 0 and line.replica.startswith("talker-") for line in lines)
        assert len(app.logs("talker")) == 2  # the ring buffer keeps only the configured number of lines
        crashed = await app.wait_for_resource("crasher", "Exited")
        assert crashed.exit_code == 3


async def test_harness_runs_a_real_apphost_file(tmp_path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "server.py").write_text((APPS / "http_env.py").read_text())
    (tmp_path / "apphost.py").write_text(
        "import sys\n"
        "from pyspire import DistributedApplication\n"
        "builder = DistributedApplication.create_builder()\n"
        "builder.add_executable('web', sys.executable, './svc', 'server.py').with_http_endpoint(env='PORT')\n"
        "builder.build().run()\n"
        "raise SystemExit('run() must hand control back to the harness')\n"
    )
    async with testing.start(tmp_path / "apphost.py") as app:
        await app.wait_for_resource("web")
        await app.wait_for_log("web", "listening")
        async with httpx.AsyncClient() as client:
            env = await get_json(client, app.endpoint_url("web") + "/env")
        assert Path(env["cwd"]) == (tmp_path / "svc").resolve()
    assert sys.argv  # the harness restored the interpreter's argv

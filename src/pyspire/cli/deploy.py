"""``pyspire deploy --target compose|kubernetes`` and ``pyspire destroy``: the published app
started on this machine (Compose) or installed on a cluster (a Helm release), and removed again.

``deploy`` executes the app host as ``pyspire publish`` does (nothing of run mode starts), then
hands the model to :mod:`pyspire.deploy`, printing each service's progress as it goes. Exit code
2 when the model cannot be published, an input has no value, a tool or the registry is missing or
the cluster does not answer (nothing was built or started), 1 when the engine, helm or a service
failed (the service named, with the end of its log or why its pods are not up).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from pyspire.cli.apphost import apphost_path, load_without_running, print_problems, stderr_console
from pyspire.cli.output import out, progress, table
from pyspire.errors import ConfigurationError, PyspireError

#: The targets ``deploy`` offers (``pyspire.deploy`` knows how to start only these).
DEPLOY_TARGETS = ("compose", "kubernetes")
NOTHING_STARTED = "nothing was started"
#: Where the deployment goes without ``-o`` (``pyspire.deploy.DEFAULT_FOLDER``, a test checks).
DEFAULT_FOLDER = Path(".pyspire") / "deploy" / "compose"
#: The same per target (``pyspire.deploy.kubernetes.DEFAULT_FOLDER`` for Kubernetes).
DEFAULT_FOLDERS = {target: Path(".pyspire") / "deploy" / target for target in DEPLOY_TARGETS}

TARGET_OPTION = click.option("--target", type=click.Choice(DEPLOY_TARGETS), required=True, help="Where to deploy.")
OUTPUT_OPTION = click.option(
    "-o", "--output", "output", default=None, type=click.Path(file_okay=False, path_type=Path),
    help="The deployment's folder (default: .pyspire/deploy/<target> beside apphost.py).",
)


def parse_ports(given: tuple[str, ...]) -> dict[str, int]:
    """``SERVICE=PORT`` options as a mapping; a malformed one is a usage error naming it."""
    ports: dict[str, int] = {}
    for item in given:
        service, _, port = item.partition("=")
        if not service or not port.isdigit() or not 0 < int(port) < 65536:
            raise click.BadParameter(f"{item!r} is not SERVICE=PORT (e.g. frontend=8080)", param_hint="--port")
        ports[service] = int(port)
    return ports


@click.command()
@click.argument("apphost", required=False, type=click.Path(path_type=str))
@TARGET_OPTION
@OUTPUT_OPTION
@click.option(
    "--port", "ports", multiple=True, metavar="SERVICE=PORT",
    help="compose: also publish SERVICE's first endpoint on this host port (repeatable).",
)
@click.option("--timeout", type=click.FloatRange(min=1), default=300.0, show_default=True, help="Seconds to wait for every service.")
@click.option(
    "--registry", default=None, metavar="HOST[:PORT][/PREFIX]",
    help="kubernetes: push the built images there (plain HTTP for a loopback one); the cluster pulls them from it.",
)
@click.option("--kubeconfig", default=None, type=click.Path(dir_okay=False, path_type=Path), help="kubernetes: the kubeconfig (default: kubectl's).")
@click.option(
    "--cluster", default=None, metavar="NAME",
    help="kubernetes: the app's own k3s cluster NAME (running under pyspire run) instead of a kubeconfig.",
)
@click.option("--context", "kube_context", default=None, help="kubernetes: the kubeconfig's context (default: its current one).")
@click.option("--namespace", default=None, help="kubernetes: the namespace (default: the app's name; created when missing).")
@click.option("--release", default=None, help="kubernetes: the Helm release's name (default: the app's name).")
@click.option("--name", default=None, help="kubernetes: the chart's name (default: the app's folder), as for publish.")
@click.option("--debug", is_flag=True, envvar="PYSPIRE_DEBUG", help="When apphost.py fails, show pyspire's frames too.")
def deploy(
    apphost: str | None,
    target: str,
    output: Path | None,
    ports: tuple[str, ...],
    timeout: float,
    registry: str | None,
    kubeconfig: Path | None,
    cluster: str | None,
    kube_context: str | None,
    namespace: str | None,
    release: str | None,
    name: str | None,
    debug: bool,
) -> None:
    """Publish APPHOST's app (default ./apphost.py) for --target, fill in its inputs from this
    machine's configuration, build its images and start it; returns once every service runs.

    compose: Docker Compose when a Docker engine answers, else podman-compose.
    kubernetes: the Helm chart, its images pushed to --registry, installed with
    helm upgrade --install on the kubeconfig's cluster (helm and kubectl on PATH)."""
    err = stderr_console()
    host_ports = parse_ports(ports)
    kube_options = {"--registry": registry, "--kubeconfig": kubeconfig, "--cluster": cluster, "--context": kube_context,
                    "--namespace": namespace, "--release": release, "--name": name}  # fmt: skip
    misplaced = [option for option, value in kube_options.items() if value is not None] if target == "compose" else []
    if target == "kubernetes" and host_ports:
        misplaced = ["--port"]
    if misplaced:
        raise click.UsageError(f"{', '.join(misplaced)}: not an option of --target {target}")
    path = apphost_path(apphost, err)
    app = load_without_running(path, debug, err, NOTHING_STARTED)
    app_dir = app.model.app_dir
    folder = output if output is not None else app_dir / DEFAULT_FOLDERS[target]
    console = out()

    def report(service: str, message: str) -> None:
        who = f"[bold]{escape(service)}[/] " if service else ""
        console.print(f"  {who}{escape(message)}")

    console.print(f"deploying {escape(path.name)} to {target} from {escape(str(folder))}")
    with _failures(err, path, target):
        with progress("deploying"):
            if target == "kubernetes":
                from pyspire.deploy.kubernetes import deploy as deploy_chart

                released = deploy_chart(
                    app.model.resources, app_dir, folder, report, registry=registry, kubeconfig=kubeconfig,
                    context=kube_context, namespace=namespace, release=release, name=name, timeout=timeout,
                    cluster=cluster,
                )  # fmt: skip
            else:
                from pyspire.deploy import deploy as deploy_app

                result = deploy_app(app.model.resources, app_dir, folder, report, ports=host_ports, timeout=timeout)
    if target == "kubernetes":
        console.print(table(["resource", "state"], [[n, s] for n, s in released.workloads.items()]))
        for note in released.notes:
            console.print(escape(note))
        console.print(
            f"deployed as release {released.release} (revision {released.revision}) in namespace {released.namespace}; "
            f"remove it with: pyspire destroy --target {target} -o {escape(str(folder))}"
        )
        return
    rows = [[name, state, result.ports.get(name, "")] for name, state in result.services.items()]
    console.print(table(["service", "state", "host port"], rows))
    for note in result.notes:
        console.print(escape(note))
    console.print(f"deployed as project {result.project} with {result.engine}; remove it with: pyspire destroy --target {target} -o {escape(str(folder))}")


@contextmanager
def _failures(err: Console, path: Path, target: str) -> Iterator[None]:
    """A publish problem or a pyspire error as the CLI says it, with its exit code."""
    from pyspire.publish import PublishError

    try:
        yield
    except PublishError as exc:
        err.print(f"[bold red]error:[/] {escape(str(path))}: the app cannot be published to {target}; {NOTHING_STARTED}.")
        print_problems(err, exc.problems)
        sys.exit(2)
    except PyspireError as exc:
        err.print(f"[bold red]error:[/] {escape(str(path))}: {escape(str(exc))}")
        sys.exit(exc.exit_code)


@click.command()
@click.argument("apphost", required=False, type=click.Path(path_type=str))
@TARGET_OPTION
@OUTPUT_OPTION
@click.option("--keep-volumes", is_flag=True, help="kubernetes: keep the persistent volume claims (the data) of the StatefulSets.")
def destroy(apphost: str | None, target: str, output: Path | None, keep_volumes: bool) -> None:
    """Remove what `pyspire deploy --target` made from the deployment's folder.

    compose: its containers, network, volumes and the images it built. kubernetes: the Helm
    release, the data volumes (persistent volume claims) its StatefulSets left unless
    --keep-volumes, the namespace when deploy created it, and the images it built here (what was
    pushed stays in the registry). Doing it again removes nothing and succeeds."""
    err = stderr_console()
    folder = output if output is not None else apphost_path(apphost, err).parent / DEFAULT_FOLDERS[target]
    console = out()

    def report(_service: str, message: str) -> None:
        console.print(f"  {escape(message)}")

    try:
        if target == "kubernetes":
            from pyspire.deploy.kubernetes import destroy as destroy_release

            removed = destroy_release(folder, report, keep_volumes=keep_volumes)
        else:
            from pyspire.deploy import destroy as destroy_app

            removed = destroy_app(folder, report)
    except (ConfigurationError, PyspireError) as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        sys.exit(exc.exit_code)
    if not removed:
        console.print(f"nothing deployed from {escape(str(folder))}: nothing to remove")
        return
    console.print(f"removed {len(removed)} things deployed from {escape(str(folder))}:")
    for item in removed:
        console.print(f"  {escape(item)}")

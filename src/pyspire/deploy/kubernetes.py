"""``pyspire deploy --target kubernetes`` and ``pyspire destroy --target kubernetes``.

Deploying is publishing the Helm chart (the same :func:`pyspire.publish.render`) into the
deployment's folder, then:

1. the values of this deployment — every parameter and secret from the sources ``pyspire run``
   reads (:mod:`pyspire.deploy.values`), the image of each built service — go into
   ``deploy-values.yaml`` beside the chart, readable by the user only (0600) and handed to helm
   with ``-f``: a secret is never on a command line nor printed (helm's words are masked);
2. each image the chart needs built is built and pushed to ``--registry``
   (:mod:`pyspire.deploy.images`);
3. ``helm upgrade --install --wait --wait-for-jobs`` runs against the kubeconfig's cluster while
   the release's workloads are polled and each change reported (:mod:`pyspire.deploy.kube_status`).

Everything that can stop the deploy without touching anything is checked first, in this order:
the model publishes, helm and kubectl are there, every input has a value, a registry is given when
an image needs building, the cluster answers. ``deployment.json`` records the release, namespace,
kubeconfig, context and the images, so destroying needs only the folder: ``helm uninstall --wait``,
the claims the StatefulSets left (their data), the namespace when deploy created it, the images
tagged on this machine. What was pushed stays in the registry (its owner's to prune).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pyspire.deploy.compose import project_name
from pyspire.deploy.errors import DeployFailed, MissingInputs, mask
from pyspire.deploy.images import (
    BuiltImages,
    build_and_push,
    detect_image_engine,
    parse_registry,
    remove_local,
)
from pyspire.deploy.kube_status import INSTANCE_LABEL, Workload, pod_problems, workloads
from pyspire.deploy.kube_tools import NOTHING_REMOVED, KubeTarget, find_tool, last_lines
from pyspire.deploy.package_index import index_build_args
from pyspire.deploy.report import Report
from pyspire.deploy.values import input_values
from pyspire.extensions import ConfigurationError, write_atomic
from pyspire.integrations.k3s import HelmReleaseResource, K3sClusterResource
from pyspire.integrations.k3s.paths import cluster_paths
from pyspire.model.containers import BuildArgAnnotation
from pyspire.model.relationships import parent_of
from pyspire.model.resource import Resource
from pyspire.model.resources import ConfiguredValueResource
from pyspire.publish import render
from pyspire.publish.compose_context import configured_input
from pyspire.publish.helm_chart import chart_name

#: Where ``pyspire deploy --target kubernetes`` publishes without ``-o``, relative to the app.
DEFAULT_FOLDER = Path(".pyspire") / "deploy" / "kubernetes"
#: The chart's own folder inside the deployment's (beside it: the values and the record).
CHART_DIR = "chart"
VALUES_FILE = "deploy-values.yaml"
RECORD_FILE = "deployment.json"
DEFAULT_TIMEOUT = 300.0
#: Seconds between two looks at the release's workloads while helm waits.
POLL = 1.0


_RELEASE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_VALUES_HEADER = (
    "# Written by pyspire deploy --target kubernetes: this deployment's values (its secrets too).\n"
    "# Readable by you only; never commit it. Values set here by hand that the chart has no source\n"
    "# for (outputs of external resources) are kept by the next deploy.\n"
)


@dataclass
class KubernetesDeployResult:
    """What a deploy made: the release, where, its revision and each workload's state."""

    release: str
    namespace: str
    revision: int
    out_dir: Path
    workloads: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FilledValues:
    """The deployment's values document, the secret values in it (to mask), and every input's
    value by variable (for build arguments)."""

    document: dict[str, Any]
    secrets: tuple[str, ...]
    inputs: Mapping[str, str] = field(default_factory=dict)


def build_arguments(resources: Sequence[Resource], services: Sequence[str], inputs: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Each built service's ``with_build_arg`` values: text as it is, a parameter or connection
    string its deployment value (the chart does not carry them: they are this deploy's to give).
    Anything else (an endpoint, an output) has no value before the deployment exists: a
    :class:`ConfigurationError` naming the resource and the argument."""
    by_name = {resource.name: resource for resource in resources}
    arguments: dict[str, dict[str, str]] = {}
    for service in services:
        resource = by_name[service]
        for annotation in resource.annotations_of(BuildArgAnnotation):
            value = annotation.value
            if isinstance(value, ConfiguredValueResource):
                value = inputs[configured_input(value).variable]
            if not isinstance(value, str):
                raise ConfigurationError(
                    f"{service}: with_build_arg({annotation.name!r}) is {type(value).__name__}, which has no value before "
                    "the deployment runs; give text or a parameter; nothing was built or installed"
                )
            arguments.setdefault(service, {})[annotation.name] = value
    return arguments


def _check_name(value: str, option: str, limit: int) -> str:
    if not _RELEASE.match(value) or len(value) > limit:
        raise ConfigurationError(
            f"{option} {value!r}: lower-case letters, digits and '-', starting and ending with a letter or digit, at most {limit}"
        )
    return value


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: cannot be read ({exc}); fix or delete it") from None
    return document if isinstance(document, dict) else {}


def fill_values(
    published_values: str,
    resources: Sequence[Resource],
    app_dir: Path,
    values_path: Path,
    environ: Mapping[str, str] | None = None,
) -> FilledValues:
    """The ``parameters`` and ``secrets`` of the chart's ``values.yaml`` given this machine's
    values; a generated one an earlier deploy made (in ``values_path``) is kept, as is a value set
    there by hand for an input nothing else supplies. :class:`MissingInputs` when one stays blank."""
    chart_values = yaml.safe_load(published_values) or {}
    earlier_document = _read_yaml(values_path)
    earlier: dict[str, str] = {}
    for section in ("parameters", "secrets"):
        for key, value in (earlier_document.get(section) or {}).items():
            if isinstance(value, str | int | float) and str(value) != "":
                earlier[str(key).upper()] = str(value)
    found = input_values(resources, app_dir, earlier, environ)
    document: dict[str, Any] = {"parameters": {}, "secrets": {}}
    missing = list(found.missing)
    secrets: list[str] = []
    for section in ("parameters", "secrets"):
        for key, default in (chart_values.get(section) or {}).items():
            variable = str(key).upper()
            value = found.values.get(variable, earlier.get(variable))
            if value is None and default not in (None, ""):
                continue  # the chart's default stands
            if value is None:
                if not any(f"(${variable})" in line for line in found.missing):
                    missing.append(f"{section}.{key}: set it under {section}: in {values_path} (values.yaml's comment above it says what it is)")
                continue
            document[section][key] = value
            if section == "secrets":
                secrets.append(value)
    if missing:
        raise MissingInputs(missing)
    return FilledValues(document, tuple(secrets), dict(found.values))


def _record(out_dir: Path) -> dict[str, Any] | None:
    path = out_dir / RECORD_FILE
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{path}: cannot be read ({exc}); delete it to forget that deployment") from None
    if not isinstance(record, dict) or record.get("target") != "kubernetes":
        raise ConfigurationError(f"{path} records a deployment that is not --target kubernetes; destroy it with its own --target")
    return record


def _write_record(out_dir: Path, record: Mapping[str, Any]) -> None:
    write_atomic(out_dir / RECORD_FILE, (json.dumps(record, indent=2) + "\n").encode())


def deploy(
    resources: Sequence[Resource],
    app_dir: Path,
    out_dir: Path,
    report: Report,
    *,
    registry: str | None = None,
    kubeconfig: Path | None = None,
    context: str | None = None,
    namespace: str | None = None,
    release: str | None = None,
    name: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    environ: Mapping[str, str] | None = None,
    cluster: str | None = None,
) -> KubernetesDeployResult:
    """Publish the chart into ``out_dir``, build and push its images, install or upgrade the
    release and wait until its workloads are up; see the module's docstring. ``cluster``: a k3s
    cluster of the app itself as the target (:func:`own_cluster`)."""
    out_dir = out_dir.resolve()
    chart_dir = out_dir / CHART_DIR
    files = render(resources, app_dir, "kubernetes", chart_dir, name)
    installed_by_run: list[str] = []
    if cluster is not None:
        if kubeconfig is not None:
            raise ConfigurationError("--cluster and --kubeconfig both name the cluster: give one; nothing was built or installed")
        kubeconfig, installed_by_run = own_cluster(resources, app_dir, cluster)
    chart = chart_name(name or app_dir.resolve().name)
    release = _check_name(release or chart, "--release", 53)
    namespace = _check_name(namespace or chart, "--namespace", 63)
    target = KubeTarget(
        find_tool("helm"), find_tool("kubectl"), namespace, str(kubeconfig.resolve()) if kubeconfig else None, context
    )
    filled = fill_values(files.contents["values.yaml"], resources, app_dir, out_dir / VALUES_FILE, environ)
    parsed = parse_registry(registry) if registry is not None else None
    if files.builds and parsed is None:
        raise ConfigurationError(
            f"{', '.join(files.builds)} need their images built, and a cluster pulls images from a registry: "
            "give one with --registry HOST[:PORT][/PREFIX] (e.g. --registry 127.0.0.1:5000 for a local one); "
            "nothing was built or installed"
        )
    own_arguments = build_arguments(resources, list(files.builds), filled.inputs)
    if kubeconfig is not None and not kubeconfig.is_file():
        raise ConfigurationError(f"--kubeconfig {kubeconfig}: no such file; nothing was built or installed")
    earlier = _record(out_dir) or {}
    if earlier and (earlier.get("release"), earlier.get("namespace")) != (release, namespace):
        raise ConfigurationError(
            f"{out_dir} holds the deployment of release {earlier.get('release')} in namespace {earlier.get('namespace')}; "
            f"destroy it first (pyspire destroy --target kubernetes -o {out_dir}) or deploy from another folder with -o; "
            "nothing was built or installed"
        )
    target.check_reachable()
    created_namespace = bool(earlier.get("created_namespace"))
    if not target.namespace_exists():
        created_namespace = True
    current = target.current_context()
    if current is not None:
        target = KubeTarget(target.helm, target.kubectl, namespace, target.kubeconfig, current)
    engine = detect_image_engine() if files.builds else None

    shutil.rmtree(chart_dir, ignore_errors=True)  # a template of a resource no longer in the model must not stay
    files.write(chart_dir)
    made = BuiltImages()
    record: dict[str, Any] = {
        "target": "kubernetes", "release": release, "namespace": namespace, "kubeconfig": target.kubeconfig,
        "context": target.context, "created_namespace": created_namespace, "engine": engine.name if engine else None,
        "images": sorted(set(earlier.get("images") or [])), "pushed": sorted(set(earlier.get("pushed") or [])),
    }  # fmt: skip
    _write_record(out_dir, record)
    if engine is not None and parsed is not None:
        project = project_name(app_dir, out_dir)
        try:
            build_and_push(engine, files.builds, own_arguments, parsed, chart, project, index_build_args(environ), report, made)
        finally:
            record["images"] = sorted(set(record["images"]) | set(made.local))
            record["pushed"] = sorted(set(record["pushed"]) | set(made.pushed))
            _write_record(out_dir, record)
    document = {**filled.document, "services": {service: {"image": image} for service, image in made.values.items()}}
    for alias in installed_by_run:  # pyspire run installs these into that cluster itself
        document[alias] = {"enabled": False}
        report(alias, "left out: pyspire run installs this Helm release into the cluster itself")
    write_atomic(out_dir / VALUES_FILE, (_VALUES_HEADER + yaml.safe_dump(document, sort_keys=False)).encode())
    fetch_dependencies(target, chart_dir, report)
    states = install(target, release, chart_dir, out_dir / VALUES_FILE, report, timeout, filled.secrets)
    status = target.helm_command("status", release, "-n", namespace, "-o", "json")
    shown = subprocess.run(status, capture_output=True, text=True, timeout=60, check=False)
    revision = int(json.loads(shown.stdout).get("version", 0)) if shown.returncode == 0 else 0
    result = KubernetesDeployResult(release, namespace, revision, out_dir, states, sorted(made.pushed))
    if made.pushed:
        result.notes.append(f"images pushed to {parsed.address if parsed else ''}; the cluster's nodes must reach it under that name")
    return result


def own_cluster(resources: Sequence[Resource], app_dir: Path, name: str) -> tuple[Path, list[str]]:
    """The host kubeconfig pyspire writes for the app's k3s cluster ``name`` while it runs, and the
    Helm releases of that cluster (``pyspire run`` installs them there: the chart must not install
    them again); a :class:`ConfigurationError` naming the fix when there is no such cluster or it
    does not run."""
    clusters = [resource.name for resource in resources if isinstance(resource, K3sClusterResource)]
    if name not in clusters:
        known = f"its k3s clusters: {', '.join(clusters)}" if clusters else "it has none (add_k3s_cluster)"
        raise ConfigurationError(f"--cluster {name}: the app has no k3s cluster of that name; {known}; nothing was built or installed")
    kubeconfig = cluster_paths(app_dir, name).host_kubeconfig
    if not kubeconfig.is_file():
        raise ConfigurationError(
            f"--cluster {name}: the cluster does not run (no {kubeconfig}); start it with pyspire run "
            "(with_lifetime('persistent') keeps it running after the app host stops); nothing was built or installed"
        )
    releases = sorted(
        resource.name
        for resource in resources
        if isinstance(resource, HelmReleaseResource) and (parent := parent_of(resource)) is not None and parent.name == name
    )
    return kubeconfig, releases


def fetch_dependencies(target: KubeTarget, chart_dir: Path, report: Report) -> None:
    """``helm dependency build`` when the chart names charts of a repository (the Helm releases of
    the app's k3s clusters; a local one is already in ``charts/``): helm install needs them there."""
    chart = yaml.safe_load((chart_dir / "Chart.yaml").read_text()) or {}
    fetched = [d["alias"] for d in chart.get("dependencies") or [] if d.get("repository")]
    if not fetched:
        return
    report("", f"fetching the charts of {', '.join(fetched)} (helm dependency build)")
    done = subprocess.run([target.helm, "dependency", "build", str(chart_dir)], capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise DeployFailed(f"helm dependency build could not fetch the charts of {', '.join(fetched)}: {last_lines(done.stderr or done.stdout)}")


def install(
    target: KubeTarget, release: str, chart_dir: Path, values: Path, report: Report, timeout: float, secrets: Sequence[str]
) -> dict[str, str]:
    """``helm upgrade --install`` while reporting the workloads; their final states, or
    :class:`DeployFailed` with helm's words and why the pods that are not up are not."""
    report("", f"helm upgrade --install {release} in namespace {target.namespace}")
    command = target.helm_command(
        "upgrade", "--install", release, str(chart_dir), "--namespace", target.namespace, "--create-namespace",
        "--wait", "--wait-for-jobs", "--timeout", f"{int(timeout)}s", "-f", str(values),
    )  # fmt: skip
    shown: dict[str, str] = {}
    # helm's output goes to files, not pipes: nobody reads a pipe while the workloads are polled
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        with subprocess.Popen(command, stdout=out_file, stderr=err_file, text=True) as helm:
            while True:
                try:
                    helm.wait(timeout=POLL)
                    break
                except subprocess.TimeoutExpired:
                    _show(workloads(target, release), shown, report)
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    final = workloads(target, release)
    _show(final, shown, report)
    if helm.returncode != 0:
        said = mask(last_lines(err or out), secrets)
        late = [w for w in final or [] if not w.done or w.failed]
        lines = [f"helm upgrade --install {release} failed: {said}"]
        lines += [f"  {w.kind.lower()} {w.name}: {w.state}" for w in late]
        lines += [f"  {problem}" for problem in pod_problems(target, release)]
        raise DeployFailed(mask("\n".join(lines), secrets))
    return {w.name: w.state for w in final or []}


def _show(found: list[Workload] | None, shown: dict[str, str], report: Report) -> None:
    for workload in found or []:
        if shown.get(workload.name) != workload.state:
            shown[workload.name] = workload.state
            report(workload.name, workload.state)


def destroy(out_dir: Path, report: Report, *, keep_volumes: bool = False) -> list[str]:
    """Remove what :func:`deploy` made from ``out_dir``; what was removed (empty when nothing was
    deployed from there). Idempotent."""
    out_dir = out_dir.resolve()
    record = _record(out_dir)
    if record is None:
        return []
    namespace = str(record["namespace"])
    release = str(record["release"])
    helm, kubectl = find_tool("helm", nothing=NOTHING_REMOVED), find_tool("kubectl", nothing=NOTHING_REMOVED)
    target = KubeTarget(helm, kubectl, namespace, record.get("kubeconfig"), record.get("context"))
    removed: list[str] = []
    target.check_reachable(NOTHING_REMOVED)
    report("", f"helm uninstall {release} in namespace {namespace}")
    done = subprocess.run(
        target.helm_command("uninstall", release, "-n", namespace, "--wait", "--timeout", "300s"),
        capture_output=True, text=True, timeout=360, check=False,
    )  # fmt: skip
    if done.returncode == 0:
        removed.append(f"release {release} (namespace {namespace})")
    elif "not found" not in done.stderr:
        raise DeployFailed(f"helm uninstall {release} failed: {last_lines(done.stderr)}")
    if keep_volumes:
        report("", "the data volumes (persistent volume claims) are kept (--keep-volumes)")
    else:
        claims = target.get_json("pvc", "-l", f"{INSTANCE_LABEL}={release}") or {}
        names = [str(item["metadata"]["name"]) for item in claims.get("items") or []]
        if names:
            report("", f"deleting the data volumes (persistent volume claims) {', '.join(names)}")
            deleted = target.run_kubectl("delete", "-n", namespace, "pvc", *names, "--ignore-not-found", "--wait=true", timeout=300)
            if deleted.returncode != 0:
                raise DeployFailed(f"deleting the claims {', '.join(names)} failed: {last_lines(deleted.stderr)}")
            removed += [f"persistent volume claim {n} (its data)" for n in names]
    kept = keep_volumes and bool((target.get_json("pvc", "-l", f"{INSTANCE_LABEL}={release}") or {}).get("items"))
    if record.get("created_namespace") and kept:
        report("", f"namespace {namespace} kept: it holds the kept volumes (deleting it would delete them)")
    elif record.get("created_namespace") and target.namespace_exists():
        report("", f"deleting namespace {namespace} (deploy created it)")
        deleted = target.run_kubectl("delete", "namespace", namespace, "--wait=true", timeout=300)
        if deleted.returncode != 0:
            raise DeployFailed(f"deleting namespace {namespace} failed: {last_lines(deleted.stderr)}")
        removed.append(f"namespace {namespace}")
    images = [str(i) for i in record.get("images") or []]
    if images:
        removed += remove_local(detect_image_engine(), images)
    pushed = record.get("pushed") or []
    if pushed:
        report("", f"left in the registry (prune it there): {', '.join(pushed)}")
    (out_dir / RECORD_FILE).unlink(missing_ok=True)
    return removed


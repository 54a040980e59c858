"""helm and kubectl, pointed at the cluster a Kubernetes deployment goes to.

Both are found once, before anything happens: ``PYSPIRE_HELM`` / ``PYSPIRE_KUBECTL`` when set (a
path, for a machine whose tools are not on ``PATH``), else ``PATH``; a missing one stops the deploy
naming how to install it. The cluster is the current kubeconfig's unless ``--kubeconfig`` /
``--context`` say otherwise; both tools get the same two, so helm installs where kubectl looks.
The context in effect is recorded at deploy, so a destroy after ``kubectl config use-context``
still removes the release from the cluster it went to.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspire.extensions import ConfigurationError

#: How to install each tool, said when it is missing.
INSTALL = {
    "helm": "install Helm 3 (https://helm.sh/docs/intro/install/)",
    "kubectl": "install kubectl (https://kubernetes.io/docs/tasks/tools/)",
}
#: Seconds kubectl may take to answer a question (a cluster that does not answer in this time is
#: not reachable).
REQUEST_TIMEOUT = 15


class ClusterUnreachable(ConfigurationError):
    """The cluster of the kubeconfig did not answer: nothing was built or installed."""


#: What an error before a deploy does anything says happened.
NOTHING_DONE = "nothing was built or installed"
#: The same before a destroy does anything.
NOTHING_REMOVED = "nothing was removed (the record stays: run destroy again once fixed)"


def find_tool(name: str, environ: dict[str, str] | None = None, nothing: str = NOTHING_DONE) -> str:
    """The path of ``helm`` or ``kubectl``; :class:`ConfigurationError` naming the fix."""
    environ = dict(os.environ) if environ is None else environ
    variable = f"PYSPIRE_{name.upper()}"
    given = environ.get(variable)
    if given:
        if not (os.path.isfile(given) and os.access(given, os.X_OK)):
            raise ConfigurationError(f"{variable}={given} is not an executable file; point it at {name}, or unset it to use {name} from PATH")
        return given
    found = shutil.which(name, path=environ.get("PATH"))
    if found is None:
        raise ConfigurationError(
            f"{name} is not on PATH: {INSTALL[name]}, or set {variable} to its path; {nothing}"
        )
    return found


@dataclass(frozen=True)
class KubeTarget:
    """The tools and the cluster: ``kubeconfig``/``context`` ``None`` mean kubectl's own defaults."""

    helm: str
    kubectl: str
    namespace: str
    kubeconfig: str | None = None
    context: str | None = None

    def kubectl_command(self, *args: str) -> list[str]:
        command = [self.kubectl]
        if self.kubeconfig:
            command.append(f"--kubeconfig={self.kubeconfig}")
        if self.context:
            command.append(f"--context={self.context}")
        return command + list(args)

    def helm_command(self, *args: str) -> list[str]:
        command = [self.helm]
        if self.kubeconfig:
            command.append(f"--kubeconfig={self.kubeconfig}")
        if self.context:
            command.append(f"--kube-context={self.context}")
        return command + list(args)

    def run_kubectl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(self.kubectl_command(*args), capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(args, 1, "", f"kubectl {' '.join(args)} did not answer in {timeout:.0f} s")

    def get_json(self, *args: str) -> Any:
        """``kubectl get ARGS -o json`` in the namespace; ``None`` when kubectl failed."""
        done = self.run_kubectl("get", "-n", self.namespace, *args, "-o", "json", f"--request-timeout={REQUEST_TIMEOUT}s")
        return json.loads(done.stdout) if done.returncode == 0 and done.stdout.strip() else None

    def kubeconfig_described(self) -> str:
        """Which kubeconfig is used, as the user would find it."""
        if self.kubeconfig:
            return f"the kubeconfig {self.kubeconfig}"
        if os.environ.get("KUBECONFIG"):
            return f"the kubeconfig $KUBECONFIG ({os.environ['KUBECONFIG']})"
        return f"the kubeconfig {Path.home() / '.kube' / 'config'}"

    def current_context(self) -> str | None:
        """The context in effect (``--context``, else the kubeconfig's current one)."""
        if self.context:
            return self.context
        done = self.run_kubectl("config", "current-context")
        return done.stdout.strip() or None if done.returncode == 0 else None

    def check_reachable(self, nothing: str = NOTHING_DONE) -> None:
        """The API server answers, else :class:`ClusterUnreachable` naming the kubeconfig, the
        context, the server and what kubectl said."""
        done = self.run_kubectl("get", "--raw", "/version", f"--request-timeout={REQUEST_TIMEOUT}s", timeout=REQUEST_TIMEOUT + 15)
        if done.returncode == 0:
            return
        view = self.run_kubectl("config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}")
        server = view.stdout.strip() if view.returncode == 0 and view.stdout.strip() else "no server"
        said = (done.stderr.strip().splitlines() or ["(nothing)"])[-1]
        context = f", context {self.context}" if self.context else ""
        raise ClusterUnreachable(
            f"the cluster of {self.kubeconfig_described()}{context} (server {server}) does not answer: {said}; "
            f"start it, or choose another with --kubeconfig/--context; {nothing}"
        )

    def namespace_exists(self) -> bool:
        done = self.run_kubectl("get", "namespace", self.namespace, "-o", "name", f"--request-timeout={REQUEST_TIMEOUT}s")
        return done.returncode == 0


def last_lines(text: str, count: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-count:])

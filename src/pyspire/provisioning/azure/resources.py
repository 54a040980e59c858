"""Resource spec builders (pure: no Azure SDK, no network). Each gives a :class:`ResourceSpec` whose
template is an ARM JSON template with the outputs other resources and processes reference.

The physical name is not in the template: a template declaring a ``resourceName`` parameter gets
it from the backend (from the resource group and the resource name, :func:`resource_name`), and
one declaring ``location`` gets the resource's location (the environment's, or its override), so
the same app deploys side by side into two resource groups. A Bicep file is compiled to ARM JSON
here, at model build, when the ``bicep`` CLI is on PATH."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pyspire.errors import ConfigurationError
from pyspire.provisioning.azure.names import (
    ARM_TEMPLATE,
    BICEP_TEMPLATE,
    STORAGE_ACCOUNT,
    storage_account_name,
    template_resource_name,
)
from pyspire.provisioning.spec import ResourceSpec, Scope

#: The template parameters the backend fills when a template declares them and no value is given.
NAME_PARAMETER = "resourceName"
LOCATION_PARAMETER = "location"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
STORAGE_API = "2023-05-01"
STORAGE_SKUS = (
    "Standard_LRS",
    "Standard_GRS",
    "Standard_RAGRS",
    "Standard_ZRS",
    "Standard_GZRS",
    "Standard_RAGZRS",
    "Premium_LRS",
    "Premium_ZRS",
)
STORAGE_KINDS = ("StorageV2", "BlobStorage", "BlockBlobStorage", "FileStorage", "Storage")
#: Output types ARM treats as secret (it never returns their values in a deployment's outputs).
SECURE_TYPES = frozenset({"securestring", "secureobject"})
BICEP_TIMEOUT = 60.0


def _parameters() -> dict[str, Any]:
    return {
        NAME_PARAMETER: {"type": "string", "metadata": {"description": "physical name, from the resource group"}},
        LOCATION_PARAMETER: {"type": "string", "defaultValue": "[resourceGroup().location]"},
    }


def storage_account(
    name: str, *, sku: str = "Standard_LRS", kind: str = "StorageV2", depends_on: Sequence[str] = ()
) -> ResourceSpec:
    """A storage account (HTTPS only, TLS 1.2, no public blob access); outputs ``name``, ``id``,
    ``blobEndpoint``, ``queueEndpoint``, ``tableEndpoint`` and the **secret** ``connectionString``
    (with the account's first key, from ``listKeys``). The connection string is declared a
    ``string`` output, not ``secureString``, because ARM never returns a secure output's value;
    pyspire masks it everywhere (``secret_outputs``)."""
    if sku not in STORAGE_SKUS:
        raise ConfigurationError(
            f"Azure storage account {name}: sku {sku!r} is not a storage SKU: use one of {', '.join(STORAGE_SKUS)}"
        )
    if kind not in STORAGE_KINDS:
        raise ConfigurationError(
            f"Azure storage account {name}: kind {kind!r} is not a storage account kind: use one of {', '.join(STORAGE_KINDS)}"
        )
    account = f"resourceId('Microsoft.Storage/storageAccounts', parameters('{NAME_PARAMETER}'))"
    endpoints = f"reference({account}, '{STORAGE_API}').primaryEndpoints"
    connection = (
        "[concat('DefaultEndpointsProtocol=https;AccountName=', parameters('resourceName'), ';AccountKey=', "
        f"listKeys({account}, '{STORAGE_API}').keys[0].value, ';EndpointSuffix=', environment().suffixes.storage)]"
    )
    template = {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": _parameters(),
        "resources": [
            {
                "type": "Microsoft.Storage/storageAccounts",
                "apiVersion": STORAGE_API,
                "name": f"[parameters('{NAME_PARAMETER}')]",
                "location": f"[parameters('{LOCATION_PARAMETER}')]",
                "sku": {"name": sku},
                "kind": kind,
                "tags": {"pyspire-resource": name},
                "properties": {
                    "minimumTlsVersion": "TLS1_2",
                    "supportsHttpsTrafficOnly": True,
                    "allowBlobPublicAccess": False,
                },
            }
        ],
        "outputs": {
            "name": {"type": "string", "value": f"[parameters('{NAME_PARAMETER}')]"},
            "id": {"type": "string", "value": f"[{account}]"},
            "blobEndpoint": {"type": "string", "value": f"[{endpoints}.blob]"},
            "queueEndpoint": {"type": "string", "value": f"[{endpoints}.queue]"},
            "tableEndpoint": {"type": "string", "value": f"[{endpoints}.table]"},
            "connectionString": {"type": "string", "value": connection},
        },
    }
    return ResourceSpec(
        name, STORAGE_ACCOUNT, template, depends_on=tuple(depends_on), secret_outputs=frozenset({"connectionString"})
    )


def arm_template(
    name: str,
    template: Mapping[str, Any] | str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    secret_outputs: Sequence[str] = (),
    depends_on: Sequence[str] = (),
    kind: str = ARM_TEMPLATE,
) -> ResourceSpec:
    """Any ARM JSON template (a dict or a ``.json`` file); ``parameters`` may be :class:`OutputRef`
    to another resource's output, which makes that resource a prerequisite. Outputs typed
    ``secureString``/``secureObject`` and those named in ``secret_outputs`` are masked."""
    body = load_template(name, template) if isinstance(template, (str, Path)) else json.loads(json.dumps(template))
    if not isinstance(body, dict) or not isinstance(body.get("resources"), (list, dict)):
        raise ConfigurationError(
            f"Azure resource {name}: the template needs a 'resources' list (is it an ARM deployment template?)"
        )
    declared = set(body.get("parameters") or {})
    unknown = sorted(set(parameters or {}) - declared)
    if unknown:
        raise ConfigurationError(
            f"Azure resource {name}: parameters {', '.join(unknown)} are not declared in the template's parameters"
        )
    outputs = body.get("outputs") or {}
    secure = {o for o, d in outputs.items() if isinstance(d, dict) and str(d.get("type", "")).lower() in SECURE_TYPES}
    return ResourceSpec(
        name,
        kind,
        body,
        dict(parameters or {}),
        depends_on=tuple(depends_on),
        secret_outputs=frozenset(secret_outputs) | secure,
    )


def bicep_template(
    name: str,
    path: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    secret_outputs: Sequence[str] = (),
    depends_on: Sequence[str] = (),
) -> ResourceSpec:
    """A Bicep file, compiled now with ``bicep build --stdout`` (the ``bicep`` CLI must be on
    PATH; no registry installs one) into the ARM template that is deployed."""
    return arm_template(
        name,
        compile_bicep(name, Path(path)),
        parameters,
        secret_outputs=secret_outputs,
        depends_on=depends_on,
        kind=BICEP_TEMPLATE,
    )


def compile_bicep(name: str, path: Path) -> dict[str, Any]:
    """``path`` as ARM JSON, or a ConfigurationError naming the resource, the file and the fix."""
    bicep = shutil.which("bicep")
    if bicep is None:
        raise ConfigurationError(
            f"Azure resource {name}: template {path.name}: a .bicep template needs the bicep CLI, which is not "
            "on PATH: install bicep (or run 'az bicep install' and put it on PATH), or pass an ARM JSON "
            f"template instead (bicep build {path.name} writes one)"
        )
    if not path.is_file():
        raise ConfigurationError(f"Azure resource {name}: template {path}: no such file")
    try:
        done = subprocess.run(  # noqa: S603 - the bicep CLI found on PATH, with a file path
            [bicep, "build", "--stdout", str(path)], capture_output=True, text=True, timeout=BICEP_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ConfigurationError(f"Azure resource {name}: template {path.name}: bicep build failed: {e}") from e
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise ConfigurationError(
            f"Azure resource {name}: template {path.name}: bicep build failed: {' / '.join(said[:3]) or done.returncode}"
        )
    try:
        compiled = json.loads(done.stdout)
    except ValueError as e:
        raise ConfigurationError(f"Azure resource {name}: template {path.name}: bicep printed no ARM JSON: {e}") from e
    if not isinstance(compiled, dict):
        raise ConfigurationError(f"Azure resource {name}: template {path.name}: bicep printed no ARM template")
    return compiled


def load_template(name: str, path: str | Path) -> Any:
    """An ARM JSON template file (a ``.bicep`` one is compiled with the bicep CLI)."""
    file = Path(path)
    if file.suffix.lower() == ".bicep":
        return compile_bicep(name, file)
    try:
        text = file.read_text()
    except OSError as e:
        raise ConfigurationError(f"Azure resource {name}: template {file}: cannot read it: {e.strerror}") from e
    try:
        return json.loads(text)
    except ValueError as e:
        raise ConfigurationError(f"Azure resource {name}: template {file}: not valid JSON: {e}") from e


def resource_name(spec: ResourceSpec, scope: Scope) -> str:
    """The physical name ``spec`` gets in ``scope``'s resource group."""
    if spec.kind == STORAGE_ACCOUNT:
        return storage_account_name(scope.group, spec.name)
    return template_resource_name(scope.group, spec.name)

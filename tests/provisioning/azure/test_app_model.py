"""What ``add_azure_environment`` puts in the model, before anything starts: the subscription and
location are parameters by default (their defaults from ``AZURE_*``), the resource group is
``rg-pyspire-<app>-<8 hex>``; a template file is read relative to the app's folder and an
``output_ref`` parameter is a prerequisite; apps that never call it import no Azure code."""

from __future__ import annotations

import json
import subprocess
import sys

from pyspire import DistributedApplication
from pyspire.model import ConfiguredValueResource
from pyspire.provisioning import OutputRef
from pyspire.provisioning.azure import default_resource_group
from tests.provisioning.azure.app_fixtures import WORKSPACE


def test_by_default_subscription_and_location_are_parameters_and_the_group_is_rg_pyspire_app_hash(tmp_path, monkeypatch):
    for var in ("AZURE_SUBSCRIPTION_ID", "AZURE_LOCATION", "AZURE_RESOURCE_GROUP", "AZURE_TENANT_ID"):
        monkeypatch.delenv(var, raising=False)
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    env = b.add_azure_environment().resource
    subscription, location = env.values["account"], env.values["region"]
    assert isinstance(subscription, ConfiguredValueResource) and subscription.name == "azure-subscription-id"
    assert isinstance(location, ConfiguredValueResource) and location.name == "azure-location"
    assert env.values["group"] == default_resource_group(tmp_path.resolve())
    assert set(env.reference_env) == {"AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "AZURE_LOCATION"}


def test_azure_variables_give_the_defaults_and_a_tenant_reaches_referencing_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("AZURE_RESOURCE_GROUP", "rg-from-env")
    monkeypatch.setenv("AZURE_TENANT_ID", "tenant-1")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    env = b.add_azure_environment("cloud", subscription="sub-1", location="westeurope").resource
    assert env.values == {"account": "sub-1", "region": "westeurope", "group": "rg-from-env"}
    assert env.reference_env["AZURE_TENANT_ID"] == "tenant-1"


def test_a_template_file_is_read_from_the_app_folder_and_an_output_ref_parameter_is_a_prerequisite(tmp_path):
    (tmp_path / "logs.json").write_text(json.dumps(WORKSPACE))
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    azure = b.add_azure_environment(subscription="sub-1", location="westeurope", resource_group="rg-1")
    files = azure.add_storage_account("files")
    logs = azure.add_arm_template("logs", "logs.json", parameters={"storageAccount": files.output_ref("name")})
    spec = logs.resource.spec
    assert spec.parameters == {"storageAccount": OutputRef("files", "name")} and spec.prerequisites() == ("files",)
    assert logs.resource.outputs == ("workspaceName", "usesAccount", "tier", "retention")
    assert logs.resource.output_env["usesAccount"] == "USES_ACCOUNT"
    assert files.resource.connection_output == "connectionString"
    assert "connectionString" in files.resource.spec.secret_outputs


def test_an_app_without_azure_imports_neither_the_azure_package_nor_the_sdk():
    code = (
        "import sys; from pyspire import DistributedApplication; "
        "b = DistributedApplication.create_builder(); b.add_executable('x', sys.executable, '.'); b.build(); "
        "print(sorted(m for m in sys.modules if m.startswith(('azure', 'pyspire.provisioning.azure'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_an_app_with_azure_resources_builds_without_importing_the_azure_sdk():
    code = (
        "import sys; from pyspire import DistributedApplication; "
        "b = DistributedApplication.create_builder(); a = b.add_azure_environment(subscription='s', location='l'); "
        "a.add_storage_account('files'); b.build(); "
        "print(sorted(m for m in sys.modules if m == 'azure' or m.startswith('azure.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr

"""The Azure spec builders: a storage account's template and its secret connection string, ARM
JSON templates from a dict or a file, and Bicep — compiled by a ``bicep`` on PATH (here a small
executable script standing in for the CLI, run as a real subprocess), or a clear build-time error
naming the resource and the fix when there is none."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from pyspire.errors import ConfigurationError
from pyspire.provisioning.azure import (
    ARM_TEMPLATE,
    BICEP_TEMPLATE,
    STORAGE_ACCOUNT,
    arm_template,
    bicep_template,
    storage_account,
)

SMALL = {"resources": [], "parameters": {"x": {"type": "string"}}, "outputs": {"x": {"type": "string", "value": "[parameters('x')]"}}}


def test_a_storage_account_declares_its_outputs_and_a_secret_connection_string_built_from_list_keys():
    spec = storage_account("files", sku="Standard_ZRS")
    assert spec.kind == STORAGE_ACCOUNT and spec.secret_outputs == frozenset({"connectionString"})
    outputs = spec.template["outputs"]
    assert list(outputs) == ["name", "id", "blobEndpoint", "queueEndpoint", "tableEndpoint", "connectionString"]
    assert "listKeys(" in outputs["connectionString"]["value"] and outputs["connectionString"]["type"] == "string"
    (account,) = spec.template["resources"]
    assert account["sku"] == {"name": "Standard_ZRS"} and account["kind"] == "StorageV2"
    assert account["properties"]["allowBlobPublicAccess"] is False


@pytest.mark.parametrize(("field", "kwargs"), [("sku", {"sku": "Cheap"}), ("kind", {"kind": "Disk"})])
def test_a_wrong_storage_sku_or_kind_names_the_resource_the_field_and_the_choices(field, kwargs):
    with pytest.raises(ConfigurationError) as caught:
        storage_account("files", **kwargs)
    message = str(caught.value)
    assert message.startswith(f"Azure storage account files: {field} ") and "use one of" in message


def test_an_arm_template_file_is_read_and_its_secure_outputs_are_secret(tmp_path: Path):
    template = dict(SMALL, outputs={"x": {"type": "string", "value": "1"}, "key": {"type": "secureString", "value": "k"}})
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template))
    spec = arm_template("t", path, {"x": "v"}, secret_outputs=("x",))
    assert spec.kind == ARM_TEMPLATE and spec.template == template
    assert spec.secret_outputs == frozenset({"x", "key"})


def test_a_template_parameter_it_does_not_declare_or_a_file_that_is_not_a_template_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ConfigurationError, match="Azure resource t: parameters nope are not declared"):
        arm_template("t", SMALL, {"nope": 1})
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigurationError, match=r"Azure resource t: template .*bad.json: not valid JSON"):
        arm_template("t", tmp_path / "bad.json")
    with pytest.raises(ConfigurationError, match="needs a 'resources' list"):
        arm_template("t", {"outputs": {}})


def test_a_bicep_template_without_bicep_on_path_is_a_build_time_error_naming_the_resource_and_the_fix(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    (tmp_path / "main.bicep").write_text("param x string\n")
    with pytest.raises(ConfigurationError) as caught:
        bicep_template("infra", tmp_path / "main.bicep")
    message = str(caught.value)
    assert message.startswith("Azure resource infra: template main.bicep: a .bicep template needs the bicep CLI")
    assert "install bicep" in message and "ARM JSON template" in message


def fake_bicep(folder: Path, script: str) -> Path:
    """An executable ``bicep`` that runs ``script`` with this Python (a real subprocess)."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "bicep"
    exe.write_text(f"#!{sys.executable}\n{script}")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return folder


COMPILE = """
import json, sys
assert sys.argv[1:3] == ["build", "--stdout"], sys.argv
source = open(sys.argv[3]).read()
name = source.split("param ", 1)[1].split()[0]
print(json.dumps({"resources": [], "parameters": {name: {"type": "string"}},
                  "outputs": {name: {"type": "string", "value": "[parameters('%s')]" % name}}}))
"""


def test_a_bicep_template_is_compiled_with_the_bicep_on_path_into_the_arm_template_that_is_deployed(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("PATH", str(fake_bicep(tmp_path / "bin", COMPILE)) + os.pathsep + os.environ["PATH"])
    (tmp_path / "main.bicep").write_text("param greeting string\n")
    spec = bicep_template("infra", tmp_path / "main.bicep", {"greeting": "hi"})
    assert spec.kind == BICEP_TEMPLATE and list(spec.template["parameters"]) == ["greeting"]
    assert spec.parameters == {"greeting": "hi"}


def test_a_bicep_build_that_fails_shows_what_bicep_said(tmp_path: Path, monkeypatch):
    failing = "import sys\nprint('main.bicep(1,7) : Error BCP018: Expected the \"=\" character at this location.', file=sys.stderr)\nsys.exit(1)\n"
    monkeypatch.setenv("PATH", str(fake_bicep(tmp_path / "bin", failing)))
    (tmp_path / "main.bicep").write_text("param\n")
    with pytest.raises(ConfigurationError) as caught:
        bicep_template("infra", tmp_path / "main.bicep")
    assert "Azure resource infra: template main.bicep: bicep build failed: main.bicep(1,7) : Error BCP018" in str(caught.value)

"""Azure names: storage accounts 3–24 lowercase letters and digits, globally unique so always
hashed by group and name; deployments and resource groups kept as given when valid."""

from __future__ import annotations

import re
from pathlib import Path

from pyspire.provisioning import Scope
from pyspire.provisioning.azure import (
    arm_template,
    default_resource_group,
    deployment_name,
    resource_group_name,
    resource_name,
    storage_account,
    storage_account_name,
    template_resource_name,
)


def test_storage_account_names_are_3_to_24_lowercase_letters_and_digits_and_differ_per_group():
    for name in ("files", "My-Storage_Account.With.Dots-and-a-very-long-name", "x", "--", "123"):
        account = storage_account_name("rg-app-dev", name)
        assert re.fullmatch(r"[a-z0-9]{3,24}", account), account
    assert storage_account_name("rg-app-dev", "files") == storage_account_name("rg-app-dev", "files")
    assert storage_account_name("rg-app-dev", "files") != storage_account_name("rg-app-prod", "files")
    assert storage_account_name("rg-app-dev", "files").startswith("files")
    assert storage_account_name("RG-App-Dev", "files") == storage_account_name("rg-app-dev", "files"), "groups are case-insensitive"


def test_a_deployment_keeps_the_resource_name_when_valid_and_otherwise_gets_a_hash():
    assert deployment_name("files") == "files"
    assert deployment_name("my.app_(1)") == "my.app_(1)"
    odd = deployment_name("has space/and:colon")
    assert re.fullmatch(r"[A-Za-z0-9_.()-]{1,64}", odd) and odd != deployment_name("has space/and;colon")
    long = deployment_name("a" * 100)
    assert len(long) == 64 and re.search(r"-[0-9a-f]{8}$", long)


def test_the_default_resource_group_is_rg_pyspire_app_and_8_hex_of_the_app_folder():
    one = default_resource_group(Path("/home/me/src/Shop App"))
    assert re.fullmatch(r"rg-pyspire-shop-app-[0-9a-f]{8}", one), one
    assert one != default_resource_group(Path("/tmp/other/Shop App")), "two checkouts, two groups"
    assert resource_group_name("rg-ok") == "rg-ok"
    assert len(resource_group_name("x" * 200)) == 90 and not resource_group_name("bad.").endswith(".")


def test_a_template_declaring_resource_name_gets_a_lowercase_hashed_name_and_a_storage_account_its_own():
    scope = Scope("dev", "sub", "westeurope", "rg-app-dev")
    generic = resource_name(arm_template("Logs_1", {"resources": []}), scope)
    assert re.fullmatch(r"[a-z][a-z0-9-]{0,14}-[0-9a-f]{8}", generic) and generic == template_resource_name("rg-app-dev", "Logs_1")
    assert resource_name(storage_account("files"), scope) == storage_account_name("rg-app-dev", "files")
    assert template_resource_name("g", "9lives").startswith("r9lives")

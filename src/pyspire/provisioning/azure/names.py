"""Azure names: deterministic from the resource group and the resource name, valid under ARM's
rules. Storage account names are global across Azure, so they always end in a hash of where the
account lives; other names keep a hash only when they had to be changed or cut."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ARM_TEMPLATE = "azure:arm"
BICEP_TEMPLATE = "azure:bicep"
STORAGE_ACCOUNT = "azure:storage-account"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()[:8]


def deployment_name(name: str) -> str:
    """An ARM deployment: 1–64 of letters, digits, ``-``, ``_``, ``.``, ``(``, ``)``. Like Aspire's
    run mode, the resource's own name when it fits."""
    cleaned = re.sub(r"[^A-Za-z0-9_.()-]", "-", name).strip(".") or "deployment"
    if cleaned == name and len(cleaned) <= 64:
        return cleaned
    tail = "-" + _digest(name)
    return cleaned[: 64 - len(tail)] + tail


def resource_group_name(name: str) -> str:
    """A resource group: 1–90 of letters, digits, ``-``, ``_``, ``.``, ``(``, ``)``, not ending in ``.``."""
    cleaned = re.sub(r"[^A-Za-z0-9_.()-]", "-", name).rstrip(".") or "rg"
    if cleaned == name and len(cleaned) <= 90:
        return cleaned
    tail = "-" + _digest(name)
    return cleaned[: 90 - len(tail)].rstrip(".") + tail


def default_resource_group(app_dir: Path) -> str:
    """Aspire's run-mode default (``rg-aspire-<app>-<suffix>``) for pyspire:
    ``rg-pyspire-<app folder>-<8 hex of its path>``, so two checkouts of one app never share a group."""
    app = re.sub(r"[^a-z0-9-]", "-", app_dir.name.lower()).strip("-")[:40] or "app"
    return resource_group_name(f"rg-pyspire-{app}-{_digest(str(app_dir))}")


def storage_account_name(group: str, name: str) -> str:
    """A storage account: 3–24 lowercase letters and digits, unique across Azure: up to 16
    characters of the resource name and 8 hex of the group and the name."""
    stem = re.sub(r"[^a-z0-9]", "", name.lower())[:16] or "st"
    return stem + _digest(f"{group.lower()}/{name}")


def template_resource_name(group: str, name: str) -> str:
    """The ``resourceName`` a generic template gets when it declares one: lowercase letters,
    digits and hyphens (what most resource types accept), ending in 8 hex of the group and the
    name (many names are global: web apps, key vaults), at most 24 characters."""
    stem = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", name.lower())).strip("-")[:15] or "res"
    if not stem[0].isalpha():
        stem = "r" + stem[:14]
    return f"{stem}-{_digest(f'{group.lower()}/{name}')}"

"""The label names: one module, every name under ``pyspire.dev/`` (where the object API refuses
client writes), each a valid Kubernetes label key, and the old import places still work."""

from __future__ import annotations

import re

from pyspire import labels
from pyspire.api.kube_writes import RESERVED_LABEL_PREFIX
from pyspire.orchestrator import objects
from pyspire.runtime.sweep import RUN_LABEL

#: prefix (a DNS subdomain) / name (≤ 63 characters, alphanumeric at both ends).
_KEY = re.compile(r"^[a-z0-9.-]{1,253}/[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")


def _names() -> dict[str, str]:
    return {n: v for n, v in vars(labels).items() if n.startswith("LABEL_") and n != "LABEL_PREFIX"} | {
        "FINALIZER": labels.FINALIZER
    }


def test_every_label_is_a_distinct_valid_key_under_the_prefix_clients_may_not_write():
    names = _names()
    assert len(set(names.values())) == len(names) >= 9
    for name, key in names.items():
        assert key.startswith(RESERVED_LABEL_PREFIX) and _KEY.match(key), name


def test_the_old_import_places_name_the_same_labels():
    assert RUN_LABEL == labels.LABEL_RUN == "pyspire.dev/run"
    assert objects.LABEL_RESOURCE == labels.LABEL_RESOURCE == "pyspire.dev/resource"
    assert objects.FINALIZER == labels.FINALIZER == "pyspire.dev/cleanup"

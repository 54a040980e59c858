"""Server-side printing: the ``Table`` kubectl asks for (``Accept: ...;as=Table;g=meta.k8s.io;v=v1``).

kubectl prints whatever columns the server sends, so each kind gets the columns its
:class:`~pyspire.orchestrator.kinds.KindSpec` declares: what a user of that kind wants to see (an
Executable's state, pid and exit code; a Service's address and port), read from the status its
controller writes. Columns with ``priority`` above 0 show only with ``-o wide``. Cells that have
no value are ``None``, which kubectl prints as ``<none>``. Ages are computed by the server, as the
API server does for custom resources, in kubectl's own format.

In a watch, only the first Table carries the column definitions: kubectl reuses the last ones it
saw for a Table without them (the API server does the same, to save bandwidth).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyspire.orchestrator.kinds import KindSpec
from pyspire.orchestrator.store import Obj


def partial_metadata(obj: Obj, api_version: str) -> dict[str, Any]:
    return {"kind": "PartialObjectMetadata", "apiVersion": api_version, "metadata": obj["metadata"]}


def table(
    spec: KindSpec,
    objects: Iterable[Obj],
    resource_version: str,
    api_version: str = "meta.k8s.io/v1",
    include_object: str = "Metadata",
    with_columns: bool = True,
) -> dict[str, Any]:
    """A ``Table`` of ``objects``. ``include_object`` (the request's ``includeObject``) says
    what each row carries: ``None``, ``Metadata`` (PartialObjectMetadata) or the whole ``Object``."""
    columns = spec.columns
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": [column.cell(obj) for column in columns]}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = partial_metadata(obj, api_version)
        rows.append(row)
    result: dict[str, Any] = {
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": {"resourceVersion": resource_version},
        "rows": rows,
    }
    if with_columns:
        result["columnDefinitions"] = [column.definition() for column in columns]
    return result

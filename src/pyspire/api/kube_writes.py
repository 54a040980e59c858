"""What a client may change in an object, checked before a patch reaches the store.

The objects belong to the app host: it renders their ``spec`` from the app model, and its
controllers read that spec on every reconcile. A client (kubectl, a script) may change only:

- what its kind's update validator allows in the ``spec``
  (:attr:`pyspire.orchestrator.kinds.KindSpec.validate_update`; for an Executable or a Container:
  ``spec.stop``, a boolean: stop the replica, or let it run);
- ``metadata.labels`` and ``metadata.annotations`` (string to string, with Kubernetes' key and
  value syntax) — except labels under ``pyspire.dev/``, by which the app host finds its objects.

Anything else a patch changes, and any value of the wrong type, is answered 422 ``Invalid`` with
one cause per field, as the Kubernetes API server answers (kubectl prints ``The Executable "x" is
invalid: spec.stop: Invalid value: "yes": must be a boolean``), and the object stays as it was.
``status`` (the controllers') and the server-managed metadata are not errors: a patch that
touches them is applied without them, as the API server does for a kind with a status subresource.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pyspire.api.kube_status import KubeError
from pyspire.labels import LABEL_PREFIX
from pyspire.orchestrator.kinds import KindSpec
from pyspire.orchestrator.store import API_GROUP, Obj
from pyspire.orchestrator.update_rules import FieldError, forbidden, invalid

#: Label keys the app host sets and selects by: clients may read them, not change them.
RESERVED_LABEL_PREFIX = LABEL_PREFIX
_TOP_LEVEL = ("apiVersion", "kind", "metadata", "spec", "status")
#: Metadata a client writes (the rest is the server's, or the app host's controllers').
_CLIENT_METADATA = ("labels", "annotations")
#: Metadata the server keeps whatever a patch says (preconditions or server-managed).
SERVER_METADATA = (
    "name",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "generation",
    "managedFields",
    "selfLink",
)

_NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def invalid_object(kind: str, name: str, errors: list[FieldError], group: str = API_GROUP) -> KubeError:
    """The 422 the API server sends: message ``Kind.group "name" is invalid: field: detail``."""
    listed = [f"{e.field}: {e.message}" for e in errors]
    summary = listed[0] if len(listed) == 1 else "[" + ", ".join(listed) + "]"
    return KubeError(
        422,
        f'{kind}.{group} "{name}" is invalid: {summary}',
        details={"name": name, "group": group, "kind": kind, "causes": [e.cause() for e in errors]},
    )


def check_write(spec: KindSpec, current: Obj, desired: Obj) -> None:
    """Raise the 422 for everything ``desired`` changes that a client may not, or gets wrong."""
    errors = list(_write_errors(spec, current, desired))
    if errors:
        raise invalid_object(str(current["kind"]), str(current["metadata"]["name"]), errors, spec.group)


def _write_errors(spec: KindSpec, current: Obj, desired: Obj) -> Iterator[FieldError]:
    kind = str(current["kind"])
    for key in ("apiVersion", "kind"):
        if desired.get(key) != current.get(key):
            yield invalid(key, desired.get(key), "field is immutable")
    for key in desired.keys() - set(_TOP_LEVEL):
        yield forbidden(key, f"not a field of {kind} objects")
    meta = desired.get("metadata")
    if not isinstance(meta, dict):
        yield invalid("metadata", meta, "must be an object")
    else:
        yield from _metadata_errors(current["metadata"], meta)
    yield from spec.validate_update(current, desired)


def _metadata_errors(current: dict[str, Any], desired: dict[str, Any]) -> Iterator[FieldError]:
    for key in sorted((current.keys() | desired.keys()) - set(SERVER_METADATA) - set(_CLIENT_METADATA)):
        if current.get(key) != desired.get(key):
            yield forbidden(
                f"metadata.{key}",
                "managed by the app host; a client may change metadata.labels and metadata.annotations",
            )
    yield from _labels_errors(current.get("labels") or {}, desired.get("labels"))
    annotations = desired.get("annotations")
    if annotations is not None and current.get("annotations") != annotations:
        yield from _string_map_errors("metadata.annotations", annotations, check_value=False)


def _labels_errors(current: dict[str, Any], desired: Any) -> Iterator[FieldError]:
    labels = {} if desired is None else desired
    if current == labels:
        return
    if not isinstance(labels, dict):
        yield invalid("metadata.labels", labels, "must be an object of strings")
        return
    yield from _string_map_errors("metadata.labels", labels, check_value=True)
    for key in sorted(k for k in current.keys() | labels.keys() if k.startswith(RESERVED_LABEL_PREFIX)):
        if current.get(key) != labels.get(key):
            yield forbidden(
                f"metadata.labels[{key}]",
                f"labels under {RESERVED_LABEL_PREFIX} are set by the app host, which finds its objects by them",
            )


def _string_map_errors(field: str, value: Any, check_value: bool) -> Iterator[FieldError]:
    if not isinstance(value, dict):
        yield invalid(field, value, "must be an object of strings")
        return
    for key, item in value.items():
        problem = _qualified_name_problem(key)
        if problem:
            yield invalid(field, key, f"name part {problem}")
        if not isinstance(item, str):
            yield invalid(f"{field}[{key}]", item, "must be a string")
        elif check_value and item and not (len(item) <= 63 and _NAME_PART.match(item)):
            yield invalid(
                f"{field}[{key}]",
                item,
                "a label value must be 63 characters or less, alphanumeric, '-', '_' or '.', "
                "starting and ending with an alphanumeric character",
            )


def _qualified_name_problem(key: str) -> str | None:
    """Kubernetes' rule for label and annotation keys: ``[prefix/]name``."""
    prefix, slash, name = key.rpartition("/")
    if slash and not (len(prefix) <= 253 and _DNS_SUBDOMAIN.match(prefix)):
        return "prefix must be a lowercase DNS subdomain"
    if not (len(name) <= 63 and _NAME_PART.match(name)):
        return "must be 63 characters or less, alphanumeric, '-', '_' or '.', starting and ending alphanumeric"
    return None

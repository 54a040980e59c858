"""What a Kubernetes request asks for beyond its path: selectors and the shape of the answer.

``labelSelector`` follows the Kubernetes grammar (``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``,
``a notin (x)``, ``a``, ``!a``, comma-separated, all must hold). ``fieldSelector`` supports
``metadata.name`` and ``metadata.namespace`` (always empty: every kind is cluster-scoped), the
fields the API server offers for every resource; ``kubectl delete --wait`` watches with
``metadata.name=<name>``. The ``Accept`` header may ask for a ``Table`` (what ``kubectl get``
prints) or for metadata only, per the ``as=;g=;v=`` media type parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pyspire.api.kube_status import KubeError
from pyspire.orchestrator.store import Obj

Predicate = Callable[[Obj], bool]

_KEY = r"[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?"
_SET = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")
_COMPARE = re.compile(rf"^\s*({_KEY})\s*(==|=|!=)\s*([-A-Za-z0-9_.]*)\s*$")


def _split(selector: str) -> list[str]:
    """Split on the commas that are not inside ``( )``."""
    parts, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p.strip()]


def _requirement(text: str) -> Predicate:
    if match := _SET.match(text):
        key, op, values = match.group(1), match.group(2), {v.strip() for v in match.group(3).split(",")}
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if match := _COMPARE.match(text):
        key, op, value = match.group(1), match.group(2), match.group(3)
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if match := _EXISTS.match(text):
        negate, key = bool(match.group(1)), match.group(2)
        return lambda labels: (key in labels) != negate
    raise KubeError(400, f"unable to parse requirement: {text.strip()!r} in labelSelector")


def label_selector(selector: str | None) -> Predicate | None:
    """A predicate on an object's labels, or None when nothing is selected on."""
    if not selector or not selector.strip():
        return None
    requirements = [_requirement(part) for part in _split(selector)]

    def matches(obj: Obj) -> bool:
        labels = obj["metadata"].get("labels") or {}
        return all(requirement(labels) for requirement in requirements)

    return matches


_FIELDS: dict[str, Callable[[Obj], str]] = {
    "metadata.name": lambda obj: str(obj["metadata"]["name"]),
    "metadata.namespace": lambda obj: "",
}


def field_selector(selector: str | None) -> Predicate | None:
    if not selector or not selector.strip():
        return None
    tests: list[Predicate] = []
    for part in selector.split(","):
        match = re.match(r"^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if match is None:
            raise KubeError(400, f"invalid field selector: {part.strip()!r}")
        field, op, value = match.groups()
        getter = _FIELDS.get(field)
        if getter is None:
            raise KubeError(400, f"field label not supported: {field} (supported: {', '.join(_FIELDS)})")
        tests.append(_field_test(getter, value, equal=op != "!="))
    return lambda obj: all(test(obj) for test in tests)


def _field_test(getter: Callable[[Obj], str], value: str, equal: bool) -> Predicate:
    return lambda obj: (getter(obj) == value) == equal


def selector(label: str | None, field: str | None) -> Predicate | None:
    """Both selectors at once (either may be absent)."""
    labels, fields = label_selector(label), field_selector(field)
    if labels is None or fields is None:
        return labels or fields
    return lambda obj: labels(obj) and fields(obj)


@dataclass(frozen=True)
class Rendering:
    """How to answer: ``as_`` is ``Table``, ``PartialObjectMetadata`` or None (the objects);
    ``api_version`` the ``meta.k8s.io`` version asked for."""

    as_: str | None = None
    api_version: str = "meta.k8s.io/v1"


_SUPPORTED = {"Table", "PartialObjectMetadata", "PartialObjectMetadataList"}


def rendering(accept: str | None) -> Rendering:
    """The first media type in ``Accept`` that can be served, in the client's order of preference.
    Plain JSON (or anything else, such as protobuf that is never served) means the objects."""
    for media_range in (accept or "").split(","):
        media, *raw_params = (p.strip() for p in media_range.split(";"))
        params = dict(p.partition("=")[::2] for p in raw_params)
        if media not in ("application/json", "*/*", "application/*") and media:
            continue
        kind = params.get("as")
        if kind is None:
            return Rendering()
        if kind in _SUPPORTED and params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
            return Rendering(
                "Table" if kind == "Table" else "PartialObjectMetadata", f"meta.k8s.io/{params['v']}"
            )
    return Rendering()

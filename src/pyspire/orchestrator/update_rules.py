"""What a client may change in an object's ``spec``: the field errors a kind's update validator
reports, worded as Kubernetes' ``field.Error`` so the object API can answer 422 with one cause
per field (kubectl prints ``The Executable "x" is invalid: spec.stop: Invalid value: "yes": must
be a boolean``).

Every kind declares its own validator (:attr:`pyspire.orchestrator.kinds.KindSpec.validate_update`);
most are built with :func:`writable_spec_fields`, which names the fields a client may write and
the JSON type each must have. The object API checks metadata (labels, annotations) itself, the
same for every kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pyspire.orchestrator.store import Obj

Reason = Literal["FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired"]

#: ``(current, desired) -> errors``: what is wrong with a client's change of one object.
UpdateValidator = Callable[[Obj, Obj], Iterable["FieldError"]]

_TYPE_NAMES = {bool: "a boolean", str: "a string", dict: "an object", int: "an integer", list: "a list"}


@dataclass(frozen=True)
class FieldError:
    """One cause of a 422, worded as Kubernetes' ``field.Error``."""

    field: str
    reason: Reason
    message: str

    def cause(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message, "field": self.field}


def _shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def invalid(field: str, value: Any, why: str) -> FieldError:
    return FieldError(field, "FieldValueInvalid", f"Invalid value: {_shown(value)}: {why}")


def forbidden(field: str, why: str) -> FieldError:
    return FieldError(field, "FieldValueForbidden", f"Forbidden: {why}")


def required(field: str, why: str) -> FieldError:
    return FieldError(field, "FieldValueRequired", f"Required value: {why}")


def writable_spec_fields(writable: Mapping[str, type] | None = None) -> UpdateValidator:
    """A validator letting a client change only the ``writable`` spec fields, each with its JSON
    type; every other spec field belongs to the app host (it renders the spec from the app
    model). A writable field cannot be removed (``null``): un-setting ``spec.stop`` is refused."""
    fields = dict(writable or {})

    def validate(current: Obj, desired: Obj) -> Iterator[FieldError]:
        yield from _spec_errors(fields, current.get("spec"), desired.get("spec"))

    return validate


def _spec_errors(writable: Mapping[str, type], current: Any, desired: Any) -> Iterator[FieldError]:
    owned = "set by the app host from the app model; a client may change " + (
        ", ".join(f"spec.{f}" for f in writable) or "nothing in the spec"
    )
    if desired is None:
        yield required("spec", owned)
        return
    if not isinstance(desired, dict):
        yield invalid("spec", desired, "must be an object")
        return
    current = current if isinstance(current, dict) else {}
    for key in sorted(current.keys() | desired.keys()):
        if current.get(key) == desired.get(key) and type(current.get(key)) is type(desired.get(key)):
            continue
        field = f"spec.{key}"
        expected = writable.get(key)
        if expected is None:
            yield forbidden(field, owned)
        elif key not in desired or desired[key] is None:
            yield required(field, f"must be {_TYPE_NAMES.get(expected, expected.__name__)}")
        elif not isinstance(desired[key], expected):
            yield invalid(field, desired[key], f"must be {_TYPE_NAMES.get(expected, expected.__name__)}")


#: The default for a kind that declares no validator: its spec is the app host's alone.
spec_is_read_only: UpdateValidator = writable_spec_fields()

"""What each builder argument must be, checked at the call.

Python does not check type hints, so ``with_replicas("3")`` would be recorded as it is and fail
later with a bare ``TypeError`` deep inside pyspire (or hang at run time). Builders check the kind
of every argument here and record a :class:`RejectedCallAnnotation` for a wrong one, which
``build()`` reports with the user's line and an example of a right call. Whether a value of the
right kind is acceptable (a port in 1-65535, a path starting with '/') is validation's job, which
sees the whole model.
"""

from __future__ import annotations

import functools
import inspect
import os
from dataclasses import dataclass
from typing import Literal

Kind = Literal["whole number", "number", "text", "flag", "path", "callable", "async callable"]

_ADVICE: dict[Kind, str] = {
    "whole number": "is not a whole number; pass an int, e.g. {example}",
    "number": "is not a number; pass an int or a float, e.g. {example}",
    "text": "is not a string; pass text, e.g. {example}",
    "flag": "is not True or False, e.g. {example}",
    "path": "is not a path; pass a string or a pathlib.Path, e.g. {example}",
    "callable": "cannot be called; pass a function, e.g. {example}",
    "async callable": "is not an async function; make it `async def`, e.g. {example}",
}


@dataclass(frozen=True)
class Arg:
    """One argument of a builder call: its name, its value, what it must be and a right example."""

    label: str
    value: object
    kind: Kind
    example: str
    optional: bool = False

    def problem(self) -> str | None:
        """What is wrong with the value, with the fix; ``None`` when it is of the right kind."""
        if self.value is None and self.optional:
            return None
        if _is(self.value, self.kind):
            return None
        advice = _ADVICE[self.kind].format(example=self.example)
        if self.kind == "async callable" and callable(self.value):
            advice = f"is not async (its result is never awaited); make it `async def`, e.g. {self.example}"
        return f"{shown(self.value)} {advice}"


def _is(value: object, kind: Kind) -> bool:
    if kind == "whole number":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "text":
        return isinstance(value, str)
    if kind == "flag":
        return isinstance(value, bool)
    if kind == "path":
        return isinstance(value, str | os.PathLike)
    if kind == "callable":
        return callable(value)
    return is_async_callable(value)


def is_async_callable(value: object) -> bool:
    """An ``async def`` function, a ``functools.partial`` of one, or an object whose ``__call__``
    is one: what can be awaited each time it is called."""
    while isinstance(value, functools.partial):
        value = value.func
    if inspect.iscoroutinefunction(value):
        return True
    call = getattr(value, "__call__", None)  # noqa: B004 - the method itself is what is checked
    return not inspect.isfunction(value) and inspect.iscoroutinefunction(call)


def required_parameters(function: object) -> list[str] | None:
    """The parameters a call of ``function`` must supply (those without a default, after what a
    ``functools.partial`` binds), or ``None`` when its signature cannot be read (a builtin)."""
    try:
        parameters = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [p.name for p in parameters if p.default is p.empty and p.kind not in variadic]


def shown(value: object) -> str:
    """The value as a message may show it: short literals in full, anything else by its type
    (a dict could be large, or hold a password typed into the app host)."""
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 40 else text[:36] + "...'"
    if inspect.isfunction(value) or inspect.isbuiltin(value):
        name = getattr(value, "__name__", "")
        return "a lambda" if name == "<lambda>" else f"function {name!r}"
    kind = type(value).__name__
    return f"an {kind}" if kind[:1].lower() in "aeiou" else f"a {kind}"

"""What each value of the model becomes in a Helm chart.

The Kubernetes target renders with the Compose target's context (the same in-network addresses:
``http://<service>:<port>``, since each service is a Kubernetes Service of that name), except
that an input of the deployment is not ``${VAR}`` but a value of ``values.yaml``:

- a non-secret parameter, connection string, output or endpoint of an external dependency →
  ``parameters.<var>`` (its default from the model, else required at install);
- a secret one → ``secrets.<var>``, empty in ``values.yaml`` and ``required`` by the template of
  the Secret that holds it, so the chart never carries a secret and a missing one stops the
  install naming the value to set.

While rendering, an input is a marker in the text; :func:`template_value` then turns the text
into a template leaf: literal text as it is, text with inputs as one ``print`` action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyspire.model.resource import Resource
from pyspire.publish.compose_context import ComposeRenderContext
from pyspire.publish.helm_yaml import Expr, go_string, literal
from pyspire.publish.inputs import DeploymentInputs, Input
from pyspire.publish.plan import PublishPlan

_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKED = re.compile(f"{_OPEN}([^{_CLOSE}]*){_CLOSE}")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def values_key(variable: str) -> str:
    """The key of an input under ``parameters``/``secrets``: ``PG_PASSWORD`` → ``pg_password``."""
    return variable.lower()


def values_section(item: Input) -> str:
    return "secrets" if item.secret else "parameters"


def values_path(section: str, key: str) -> str:
    """The template expression reading ``.Values.<section>.<key>``."""
    if _IDENTIFIER.match(key):
        return f".Values.{section}.{key}"
    return f"(index .Values.{section} {go_string(key)})"


class HelmInputs(DeploymentInputs):
    """The inputs, met while rendering; each use is a marker in the rendered text."""

    def add(self, wanted: Input, resource: str) -> str:
        super().add(wanted, resource)
        return f"{_OPEN}{wanted.variable}{_CLOSE}"

    def by_variable(self) -> dict[str, Input]:
        return {item.variable: item for item in self.inputs}


class HelmRenderContext(ComposeRenderContext):
    """Compose's context with literal text kept as it is (the markers carry the inputs)."""

    def __init__(self, consumer: Resource, plan: PublishPlan, inputs: HelmInputs) -> None:
        super().__init__(consumer, plan, inputs)

    def literal(self, text: str) -> str:
        return text


def input_expression(item: Input) -> str:
    """The value of an input as a template expression; ``required`` when it has no default."""
    section = values_section(item)
    key = values_key(item.variable)
    path = values_path(section, key)
    if item.secret or item.default is None:
        message = f"{section}.{key} is not set: {item.description}; give it with --set {section}.{key}=..."
        return f"(required {go_string(message)} {path} | toString)"
    return f"({path} | toString)"


@dataclass(frozen=True)
class RenderedText:
    """A rendered env value or argument, split in literal text and inputs."""

    parts: tuple[str | Input, ...]

    @property
    def secret(self) -> bool:
        return any(isinstance(part, Input) and part.secret for part in self.parts)

    @property
    def secrets(self) -> list[Input]:
        return [part for part in self.parts if isinstance(part, Input) and part.secret]


def split(text: str, inputs: dict[str, Input]) -> RenderedText:
    """``text`` with its markers resolved to the inputs they stand for."""
    parts: list[str | Input] = []
    position = 0
    for match in _MARKED.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        parts.append(inputs[match.group(1)])
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return RenderedText(tuple(parts))


def template_value(rendered: RenderedText, *, argument: bool = False) -> str | Expr:
    """A template leaf for ``rendered``. ``argument``: it is in a container's ``args``, where
    Kubernetes expands ``$(VAR)`` and reads ``$$`` as ``$``, so literal ``$`` is doubled and a
    secret input is read from the container's environment (``$(VAR)``, from its Secret) rather
    than written into the pod spec."""
    pieces: list[str | Input] = []
    for part in rendered.parts:
        if isinstance(part, str):
            pieces.append(part.replace("$", "$$") if argument else part)
        elif argument and part.secret:
            pieces.append(f"$({part.variable})")
        else:
            pieces.append(part)
    if all(isinstance(piece, str) for piece in pieces):
        return literal("".join(str(piece) for piece in pieces))
    words = [go_string(piece) if isinstance(piece, str) else _input_word(piece, argument) for piece in pieces]
    return Expr(f"{{{{ print {' '.join(words)} | quote }}}}")


def _input_word(item: Input, argument: bool) -> str:
    expression = input_expression(item)
    return f"({expression[1:-1]} | replace \"$\" \"$$\")" if argument else expression

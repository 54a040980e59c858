"""The arguments a custom command declares, and the check of what a caller gives against them.

A command's callback reads ``context.arguments`` (a dict of text). Without a declaration nobody
outside the callback knows which keys it reads: the dashboard cannot ask for them, the API cannot
refuse a missing one before the callback runs, and a typo (``--arg regoin=...``) silently does
nothing. Declaring them (Aspire's command options / interaction prompts) lets every caller ask for,
check and document them in one place; the callback then sees exactly the declared keys that have
a value, defaults filled in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyspire.errors import ConfigurationError

#: An argument name is one ``--arg KEY=VALUE`` key and one JSON key: no '=' and no spaces.
ARGUMENT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class CommandArgument:
    """One argument a custom command takes (``with_command(..., arguments=[...])``).

    ``label`` is what the dashboard's prompt shows (default: the name); ``required`` ones must be
    given (the API answers 400 otherwise, before the callback runs); ``default`` fills in one not
    given. A ``secret`` argument (a token, a password) is typed into a password field, and neither
    its value nor its default appears in any snapshot, log, API answer or error."""

    name: str
    label: str | None = None
    description: str | None = None
    required: bool = False
    secret: bool = False
    default: str | None = None

    @property
    def shown_label(self) -> str:
        """The label, or the name when there is none."""
        return self.label or self.name

    @property
    def described(self) -> str:
        """``'region' (Region)``: how an error names the argument."""
        label = f" ({self.label})" if self.label and self.label != self.name else ""
        return f"'{self.name}'{label}"


class CommandArgumentError(ConfigurationError, ValueError):
    """A caller gave a command an argument it does not declare, or left out a required one. The
    message names the resource, the command and the argument (never a value: it may be secret)."""


def checked_arguments(
    resource: str, command: str, declared: Sequence[CommandArgument], given: Mapping[str, str]
) -> dict[str, str]:
    """``given`` checked against ``declared``, defaults filled in.

    A command that declares no arguments accepts any (what it did before arguments could be
    declared). Otherwise an undeclared name, or a required argument missing or empty, raises
    :class:`CommandArgumentError`; a declared one not given takes its default (or stays absent)."""
    if not declared:
        return dict(given)
    by_name = {a.name: a for a in declared}
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        listed = ", ".join(f"'{n}'" for n in unknown)
        raise CommandArgumentError(
            f"command '{command}' of '{resource}' takes no argument {listed}; "
            f"its arguments: {', '.join(by_name)}"
        )
    arguments: dict[str, str] = {}
    missing: list[CommandArgument] = []
    for argument in declared:
        value = given.get(argument.name)
        if value is None:
            value = argument.default
        if argument.required and not value:
            missing.append(argument)
        elif value is not None:
            arguments[argument.name] = value
    if missing:
        names = ", ".join(a.described for a in missing)
        example = " ".join(f"--arg {a.name}=..." for a in missing)
        raise CommandArgumentError(
            f"command '{command}' of '{resource}' needs the argument{'s' if len(missing) > 1 else ''} "
            f"{names}; give {'them' if len(missing) > 1 else 'it'} (pyspire resource {resource} {command} {example})"
        )
    return arguments


def secret_values(declared: Sequence[CommandArgument], arguments: Mapping[str, str]) -> list[str]:
    """The values of the secret arguments in ``arguments``: what a command's log lines and its
    result message must mask."""
    return [arguments[a.name] for a in declared if a.secret and arguments.get(a.name)]

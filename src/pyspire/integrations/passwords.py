"""A server's password, the same way for every integration that runs one (Redis, PostgreSQL).

The user passes a secret parameter, or nothing: then a parameter ``<name>-password`` is generated
at the first run and kept in ``.pyspire/settings.json`` (so data in a volume stays reachable),
shown as the server's child. Anything else — a literal typed into apphost.py, a parameter that is
not secret — would show the password wherever the model is shown: it is reported by ``build()``
(its value never quoted) and the generated one is used meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspire.model import ParameterBuilder, ValueProvider
from pyspire.model.builder import AppModelBuilder
from pyspire.model.values import to_value


@dataclass(frozen=True)
class ServerPassword:
    value: ValueProvider
    #: The generated parameter, to be shown as the server's child (``None`` when one was given).
    generated: ParameterBuilder | None
    #: Why the given password was refused, with the fix (``None`` when it was fine or none given).
    problem: str | None


def server_password(app: AppModelBuilder, name: str, given: object, *, kind: str = "password") -> ServerPassword:
    """``given`` when it is a secret value, else the generated ``<name>-<kind>`` (``kind``: what
    the secret is, ``password`` or the k3s cluster's ``token``; also the argument's name)."""
    value = None if given is None else to_value(given)
    if isinstance(value, ValueProvider) and value.is_secret:
        return ServerPassword(value, None, None)
    generated = app.add_parameter(f"{name}-{kind}", secret=True, generate=True)
    problem = None
    if given is not None:
        problem = (
            f"a {type(given).__name__} is not a secret parameter (its value is not shown: it may be the "
            f"{kind}); pass one, e.g. {kind}=builder.add_parameter('{name}-{kind}', secret=True)"
        )
    return ServerPassword(generated.resource, generated, problem)

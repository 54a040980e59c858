"""Declared command arguments: wrong declarations are refused at build time (naming the resource,
the command and the fix); what a caller gives is checked against the declaration (undeclared or
missing required ones refused, defaults filled in, no declaration: anything goes)."""

from __future__ import annotations

import pytest

from pyspire import CommandArgument, DistributedApplication, ModelError
from pyspire.model.command_arguments import CommandArgumentError, checked_arguments, secret_values
from pyspire.model.lifecycle import CommandAnnotation

DECLARED = (
    CommandArgument("region", "Region", required=True),
    CommandArgument("mode", default="fast"),
    CommandArgument("token", "API token", secret=True, default="tok-default-1234"),
)


def problems_of(builder) -> list[str]:
    with pytest.raises(ModelError) as caught:
        builder.build()
    return [str(p) for p in caught.value.problems]


def _builder(tmp_path, arguments):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("cache", "python", ".").with_command("flush", "Flush", lambda ctx: None, arguments=arguments)
    return b


def test_a_valid_declaration_builds_and_is_recorded_on_the_command(tmp_path):
    app = _builder(tmp_path, list(DECLARED)).build()
    (command,) = app.model.resources[0].annotations_of(CommandAnnotation)
    assert command.arguments == DECLARED


def test_duplicate_argument_names_are_refused_naming_resource_command_and_fix(tmp_path):
    problems = problems_of(_builder(tmp_path, [CommandArgument("region"), CommandArgument("region")]))
    assert any(
        "resource 'cache', command 'flush' arguments" in p and "'region' is declared 2 times" in p
        and "its own name" in p
        for p in problems
    ), problems


@pytest.mark.parametrize("name", ["", "has space", "a=b", "-x", 3])
def test_a_bad_argument_name_is_refused_with_the_rule(tmp_path, name):
    problems = problems_of(_builder(tmp_path, [CommandArgument(name)]))  # type: ignore[arg-type]
    assert any("command 'flush' arguments" in p and "is not an argument name" in p for p in problems), problems


def test_arguments_that_are_not_a_list_of_command_arguments_are_refused(tmp_path):
    problems = problems_of(_builder(tmp_path, "region"))
    assert any("with_command arguments" in p and "is not a list" in p and "CommandArgument(" in p for p in problems)
    problems = problems_of(_builder(tmp_path, [{"name": "region"}]))
    assert any("is not a CommandArgument" in p for p in problems), problems


def test_fields_of_the_wrong_kind_are_refused_without_showing_a_secret_default(tmp_path):
    wrong = [CommandArgument("a", required="yes"), CommandArgument("b", secret=True, default=1234)]  # type: ignore[arg-type]
    problems = problems_of(_builder(tmp_path, wrong))
    assert any("'a': required is not True or False" in p for p in problems), problems
    assert any("'b': default a value is not a string" in p for p in problems), problems
    assert not any("1234" in p for p in problems)


def test_given_arguments_are_checked_and_defaults_filled_in():
    assert checked_arguments("cache", "flush", DECLARED, {"region": "eu-west-2"}) == {
        "region": "eu-west-2",
        "mode": "fast",
        "token": "tok-default-1234",
    }
    assert checked_arguments("cache", "flush", DECLARED, {"region": "x", "mode": "slow"})["mode"] == "slow"


def test_an_undeclared_argument_is_refused_naming_the_command_and_listing_the_declared_ones():
    with pytest.raises(CommandArgumentError) as caught:
        checked_arguments("cache", "flush", DECLARED, {"region": "x", "regoin": "y"})
    message = str(caught.value)
    assert "command 'flush' of 'cache' takes no argument 'regoin'" in message
    assert "its arguments: region, mode, token" in message


def test_a_missing_or_empty_required_argument_is_refused_naming_it_and_its_label():
    for given in ({}, {"region": ""}):
        with pytest.raises(CommandArgumentError) as caught:
            checked_arguments("cache", "flush", DECLARED, given)
        assert "needs the argument 'region' (Region)" in str(caught.value)
        assert "pyspire resource cache flush --arg region=..." in str(caught.value)


def test_a_refusal_never_quotes_a_value():
    with pytest.raises(CommandArgumentError) as caught:
        checked_arguments("cache", "flush", DECLARED, {"token": "hunter2-secret", "bogus": "hunter2-secret"})
    assert "hunter2" not in str(caught.value)


def test_a_command_that_declares_nothing_accepts_any_argument():
    assert checked_arguments("cache", "flush", (), {"anything": "goes"}) == {"anything": "goes"}


def test_secret_values_are_the_given_secret_ones_only():
    given = checked_arguments("cache", "flush", DECLARED, {"region": "eu", "token": "t0ken-given"})
    assert secret_values(DECLARED, given) == ["t0ken-given"]


def test_the_label_defaults_to_the_name():
    assert CommandArgument("region").shown_label == "region"
    assert CommandArgument("region", "Region").described == "'region' (Region)"

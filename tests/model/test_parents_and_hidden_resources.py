"""Parent/child relationships and hidden resources: recorded by the builder, checked by
``build()`` (a parent in the model, no cycle), carried by every snapshot the API lists, and left
out of the console's summary."""

from __future__ import annotations

import sys

from rich.console import Console

from pyspire import DistributedApplication, testing
from pyspire.console.summary import summary_table
from pyspire.executor.model_facts import is_hidden, relationships_of
from pyspire.executor.snapshots import Relationship
from tests.model.model_problems import problems_of

IDLE = "import time; time.sleep(3600)"


def test_a_child_names_its_parent_among_its_relationships(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    db = b.add_executable("db", "python", ".").with_http_endpoint()
    admin = b.add_executable("db-admin", "python", ".").with_reference(db).with_parent(db).hidden()
    b.build()
    assert relationships_of(admin.resource) == (Relationship("db", "Reference"), Relationship("db", "Parent"))
    assert is_hidden(admin.resource) and not is_hidden(db.resource)


def test_a_parent_outside_the_model_is_refused_naming_both(tmp_path):
    other = DistributedApplication.create_builder(app_dir=tmp_path).add_executable("elsewhere", "python", ".")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("child", "python", ".").with_parent(other)
    (problem,) = problems_of(b)
    assert "resource 'child', with_parent('elsewhere')" in problem and "not in this app model" in problem


def test_parents_that_form_a_cycle_are_refused_once_naming_the_chain(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    a = b.add_executable("a", "python", ".")
    c = b.add_executable("c", "python", ".").with_parent(a)
    a.with_parent(c)
    (problem,) = problems_of(b)
    assert "resource 'a', with_parent('c')" in problem and "a → c → a" in problem


def test_a_resource_cannot_be_its_own_parent_nor_take_a_name(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    a = b.add_executable("a", "python", ".")
    a.with_parent(a)
    b.add_executable("b", "python", ".").with_parent("a").hidden("yes")  # type: ignore[arg-type]
    problems = problems_of(b)
    assert any("resource 'a', with_parent('a'): a resource cannot be its own parent" in p for p in problems)
    assert any("resource 'b', with_parent" in p and "not a resource" in p for p in problems)
    assert any("resource 'b', hidden" in p for p in problems)


async def test_the_api_lists_hidden_resources_with_the_flag_and_the_summary_does_not(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    db = b.add_executable("db", sys.executable, ".", "-c", IDLE)
    b.add_executable("db-exporter", sys.executable, ".", "-c", IDLE).with_parent(db).hidden()
    token = b.add_parameter("token", value="t").with_parent(db).hidden()
    async with testing.start(b) as app:
        await app.wait_for_resource("db-exporter")
        async with app.api_client() as client:
            listed = {s["name"]: s for s in (await client.get("/v1/resources")).json()["resources"]}
        assert listed["db-exporter"]["hidden"] is True and listed["db"]["hidden"] is False
        assert {"resource": "db", "type": "Parent"} in listed["db-exporter"]["relationships"]
        assert listed[token.name]["hidden"] is True, "a parameter's snapshot keeps the flag too"
        console = Console(width=200, record=True)
        console.print(summary_table("summary", app.resources()))
        text = console.export_text()
        assert "db" in text and "db-exporter" not in text and "token" not in text

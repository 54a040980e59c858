"""An executable pyspire cannot build an image for stops publishing before anything is written,
naming the resource and both ways out; either way out then publishes it (and changes nothing
about ``pyspire run``)."""

from __future__ import annotations

import asyncio

import pytest

from pyspire.extensions import RUN, plan_launch
from pyspire.publish import PublishError
from tests.publish.models import builder_in, compose_of, publish_model
from tests.publish.trees import publish_cli


def test_an_executable_without_image_stops_the_publish_naming_it_and_both_fixes(tmp_path):
    b = builder_in(tmp_path / "app")
    b.add_executable("tool", "mytool", ".", "--serve")
    b.add_executable("other", "othertool", ".")
    b.add_python_app("web", ".", "web.py")
    out = tmp_path / "out"
    with pytest.raises(PublishError) as caught:
        publish_model(b, out)
    problems = {p.resource: p for p in caught.value.problems}
    assert set(problems) == {"tool", "other"}, "every problem at once"
    message = str(problems["tool"])
    assert "publish_as_dockerfile(" in message and "with_image(" in message
    assert problems["tool"].field == "image"
    assert not out.exists(), "nothing was written"


def test_the_cli_lists_the_problem_and_leaves_the_output_folder_empty(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "apphost.py").write_text(
        "from pyspire import DistributedApplication\n"
        "builder = DistributedApplication.create_builder()\n"
        "builder.add_executable('tool', 'mytool', '.')\n"
        "builder.build().run()\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    result = publish_cli(app, out)
    assert result.returncode == 2
    assert "resource tool, image" in result.stderr
    assert "publish_as_dockerfile" in result.stderr and "with_image" in result.stderr
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(out.iterdir()) == []


def test_with_image_or_publish_as_dockerfile_publish_it_and_leave_run_mode_alone(tmp_path):
    b = builder_in(tmp_path / "app")
    (tmp_path / "app" / "tool").mkdir()
    plain = b.add_executable("plain", "mytool", ".", "--serve")
    imaged = b.add_executable("imaged", "mytool", ".", "--serve").with_image("registry.example.com/tool:1.4")
    built = b.add_executable("built", "mytool", ".", "--serve").publish_as_dockerfile("./tool", stage="runtime")
    b.resources.remove(plain.resource)
    publish_model(b, tmp_path / "out")
    services = compose_of(tmp_path / "out")["services"]
    assert services["imaged"]["image"] == "registry.example.com/tool:1.4"
    assert services["imaged"]["command"] == ["--serve"]
    assert services["built"]["build"] == {"context": "../app/tool", "target": "runtime"}

    def run_plan(resource):
        plan = asyncio.run(plan_launch(resource, RUN))
        return plan.env, plan.args

    assert run_plan(imaged.resource) == run_plan(plain.resource) == run_plan(built.resource)
    assert imaged.resource.command == built.resource.command == "mytool"

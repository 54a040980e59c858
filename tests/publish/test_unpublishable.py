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


def test_every_problem_is_listed_together_even_with_a_reference_to_an_unpublishable_executable(tmp_path):
    b = builder_in(tmp_path / "app")
    tool = b.add_executable("tool", "mytool", ".").with_http_endpoint(env="PORT")
    db = b.add_container("db", "docker.io/library/postgres", tag="17").with_endpoint("tcp", target_port=5432)
    url = b.add_parameter("db-url")
    (
        b.add_python_app("web", ".", "web.py")
        .with_http_endpoint(port=8080, env="PORT")
        .with_replicas(2)
        .with_reference(tool)
        .with_env("A", db.output("url"))
        .with_env("B", url)
    )
    out = tmp_path / "out"
    with pytest.raises(PublishError) as caught:
        publish_model(b, out)
    problems = [(p.resource, p.field) for p in caught.value.problems]
    assert problems == [("tool", "image"), ("web", "environment"), ("web", "endpoint http port")]
    messages = [p.message for p in caught.value.problems]
    assert "$DB_URL" in messages[1] and "rename one of the resources" in messages[1]
    assert "2 replicas cannot all listen on host port 8080" in messages[2]
    assert "nothing was written (3 problems)" in str(caught.value)
    assert not out.exists()


def test_an_unknown_target_is_refused_with_the_known_ones(tmp_path):
    from pyspire.extensions import ConfigurationError
    from pyspire.publish import publish

    b = builder_in(tmp_path / "app")
    b.add_parameter("region", value="eu")
    app = b.build()
    with pytest.raises(ConfigurationError, match="no publish target 'helm'; the targets are: compose"):
        publish(app.model.resources, app.model.app_dir, "helm", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_wrong_arguments_to_the_publish_methods_are_model_problems_at_build(tmp_path):
    from pyspire import ModelError

    b = builder_in(tmp_path / "app")
    b.add_executable("tool", "mytool", ".").with_image(14)
    b.add_executable("other", "othertool", ".").publish_as_dockerfile(".", stage=2)
    with pytest.raises(ModelError) as caught:
        b.build()
    fields = {(p.resource, p.field) for p in caught.value.problems}
    assert fields == {("tool", "with_image"), ("other", "publish_as_dockerfile stage")}

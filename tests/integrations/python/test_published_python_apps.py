"""Publishing a Python app renders what a manifest needs and nothing of run mode: the uvicorn
command line from its endpoint, listening on every interface (it runs in a container), without
``--reload`` and without the run-mode variables."""

from __future__ import annotations

from pyspire import DistributedApplication
from pyspire.extensions import render_launch
from tests.model.test_render_without_running import ComposeContext


def test_a_published_uvicorn_app_listens_on_every_interface_with_its_port_and_no_reload_nor_run_mode_variables(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_uvicorn_app("api", "./api", "orders.main:app", "--proxy-headers").with_env("REGION", "eu")
    rendered = render_launch(api.resource, ComposeContext(api.resource))
    assert rendered.args == [
        "-m", "uvicorn", "orders.main:app", "--host", "0.0.0.0", "--port", "${API_HTTP_TARGET_PORT}", "--proxy-headers"
    ]  # fmt: skip
    assert list(rendered.env) == ["REGION"]

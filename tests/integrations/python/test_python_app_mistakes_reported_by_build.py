"""A wrong argument to a Python builder method is reported by ``build()`` at the user's line,
naming the resource, the argument and a right example, before anything starts."""

from __future__ import annotations

import pytest

from pyspire import DistributedApplication, ModelError


def test_wrong_argument_kinds_are_listed_with_their_fix(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_app("worker", "./worker", 42)  # type: ignore[arg-type]
    b.add_uvicorn_app("api", None, "shop.main:app").with_reload("no")  # type: ignore[arg-type]
    b.add_python_module("tool", ".", "tool").with_virtual_environment(3.11)  # type: ignore[arg-type]
    with pytest.raises(ModelError) as raised:
        b.build()
    text = str(raised.value)
    assert (
        "resource 'worker', add_python_app script: 42 is not a string; pass text, "
        "e.g. add_python_app('worker', './worker', 'main.py')"
    ) in text
    assert "resource 'api', add_uvicorn_app app_dir: None is not a path" in text
    assert "resource 'api', with_reload enabled: 'no' is not True or False, e.g. with_reload(False)" in text
    assert "resource 'tool', with_virtual_environment: 3.11 is not a path" in text
    assert text.count("test_python_app_mistakes_reported_by_build.py:") == 4, "each at the user's line"

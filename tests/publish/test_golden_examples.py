"""The whole output of ``pyspire publish --target compose`` for ``examples/shop`` and
``examples/orders``, byte for byte, against the golden trees under ``tests/publish/golden/``.

The golden files were reviewed by a person; a change to them is a change to what users deploy,
so it shows in the diff. To regenerate them after an intended change::

    PYSPIRE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/publish/test_golden_examples.py

then read the diff before committing it. The examples are copied into a temporary folder and
published into ``<copy>/publish``, so paths in the output are the same on every machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.publish.trees import assert_golden, copy_example, publish_cli

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("example", ["shop", "orders"])
def test_the_published_example_is_byte_for_byte_its_golden_tree(tmp_path, example):
    app = copy_example(example, tmp_path)
    out = app / "publish"
    result = publish_cli(app, out)
    assert result.returncode == 0, result.stderr
    assert_golden(out, GOLDEN / example)

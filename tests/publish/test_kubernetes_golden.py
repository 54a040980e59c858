"""The whole Helm chart ``pyspire publish --target kubernetes`` writes for ``examples/shop`` and
``examples/orders``, byte for byte, against ``tests/publish/golden/kubernetes/``.

Regenerate after an intended change with the Compose goldens' switch, then read the diff::

    PYSPIRE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/publish/test_kubernetes_golden.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.publish.trees import assert_golden, copy_example, publish_cli

GOLDEN = Path(__file__).parent / "golden" / "kubernetes"


@pytest.mark.parametrize("example", ["shop", "orders"])
def test_the_published_chart_of_the_example_is_byte_for_byte_its_golden_tree(tmp_path, example):
    app = copy_example(example, tmp_path)
    out = app / "publish"
    result = publish_cli(app, out, target="kubernetes")
    assert result.returncode == 0, result.stderr
    assert_golden(out, GOLDEN / example)

"""Shared by the model tests: the problems ``build()`` reports, as the lines a user reads."""

from __future__ import annotations

import pytest

from pyspire import ModelError


def problems_of(builder) -> list[str]:
    with pytest.raises(ModelError) as caught:
        builder.build()
    return [str(p) for p in caught.value.problems]

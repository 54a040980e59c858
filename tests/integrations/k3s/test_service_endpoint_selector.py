"""A Service's selector decides which pods get traffic; an empty one is an error, never "all pods"."""

from __future__ import annotations

import pytest

from pyspire.integrations.k3s.selector import (
    ServiceSelectorError,
    label_selector_string,
    service_selector,
)


def _service(selector: object) -> dict[str, object]:
    spec: dict[str, object] = {"ports": [{"port": 80}]}
    if selector is not None:
        spec["selector"] = selector
    return {"metadata": {"name": "web", "namespace": "shop"}, "spec": spec}


@pytest.mark.parametrize("selector", [None, {}])
def test_a_service_without_a_selector_is_refused_with_its_name_and_the_fix(selector: object) -> None:
    with pytest.raises(ServiceSelectorError) as info:
        service_selector(_service(selector))
    message = str(info.value)
    assert "shop/web" in message
    assert "has no selector" in message
    assert "spec.selector" in message


def test_a_services_selector_is_returned_as_labels() -> None:
    assert service_selector(_service({"app": "web", "tier": "front"})) == {
        "app": "web",
        "tier": "front",
    }


def test_the_label_selector_string_joins_labels_in_a_stable_order() -> None:
    assert label_selector_string({"tier": "front", "app": "web"}) == "app=web,tier=front"


def test_an_empty_label_selector_string_is_refused_rather_than_matching_every_pod() -> None:
    with pytest.raises(ServiceSelectorError):
        label_selector_string({})

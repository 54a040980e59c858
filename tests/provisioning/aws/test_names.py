"""Physical names: deterministic from the stack prefix and the resource name, and valid under each
service's own rules however odd the input."""

from __future__ import annotations

import re

import pytest

from pyspire.provisioning import Scope
from pyspire.provisioning.aws import (
    bucket_name,
    queue_name,
    resource_name,
    s3_bucket,
    sqs_queue,
    stack_name,
    table_name,
)

ODD = [
    "uploads",
    "Uploads_V2",
    "a",
    "x" * 300,
    "my.bucket..name",
    "--weird--",
    "xn--punycode",
    "data-s3alias",
    "ünïcode",
]
PREFIXES = ["app-dev", "App_Dev.Alice", "", "9lives", "p" * 100]

BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
STACK = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
QUEUE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
FIFO = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")
TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("name", ODD)
def test_every_derived_name_obeys_its_services_rules(prefix: str, name: str) -> None:
    b = bucket_name(prefix, name)
    assert BUCKET.match(b), b
    assert (
        ".." not in b
        and "--" not in b
        and not b.startswith(("xn--", "sthree-"))
        and not b.endswith("-s3alias")
    )
    assert STACK.match(stack_name(prefix, name)), stack_name(prefix, name)
    assert QUEUE.match(queue_name(prefix, name)), queue_name(prefix, name)
    assert FIFO.match(queue_name(prefix, name, fifo=True)), queue_name(prefix, name, fifo=True)
    assert TABLE.match(table_name(prefix, name)), table_name(prefix, name)


def test_names_are_the_prefix_and_the_resource_name_when_those_are_valid() -> None:
    assert bucket_name("app-dev", "uploads") == "app-dev-uploads"
    assert stack_name("app-dev", "uploads") == "app-dev-uploads"
    assert queue_name("app-dev", "jobs") == "app-dev-jobs"
    assert queue_name("app-dev", "jobs", fifo=True) == "app-dev-jobs.fifo"
    assert table_name("app-dev", "orders") == "app-dev-orders"


def test_names_are_deterministic_and_distinct_names_never_collapse_onto_one() -> None:
    assert bucket_name("App", "Up_Loads") == bucket_name("App", "Up_Loads")
    # both clean to "app-up-loads": the changed one carries a hash of the original
    assert bucket_name("app", "up-loads") != bucket_name("App", "Up_Loads")
    long_a, long_b = bucket_name("p", "x" * 100 + "a"), bucket_name("p", "x" * 100 + "b")
    assert long_a != long_b and len(long_a) == len(long_b) == 63


def test_the_resource_name_follows_the_scopes_stack_prefix_and_a_fifo_queues_suffix() -> None:
    dev, prod = Scope("dev", group="shop-dev"), Scope("prod", group="shop-prod")
    assert resource_name(s3_bucket("media"), dev) == "shop-dev-media"
    assert resource_name(s3_bucket("media"), prod) == "shop-prod-media"
    assert resource_name(sqs_queue("orders", fifo=True), dev) == "shop-dev-orders.fifo"

"""Physical names: deterministic from the environment's stack prefix and the resource name, and
valid under each service's rules. A name that must be shortened or changed keeps a short hash of
the original, so two resources never collapse onto one name."""

from __future__ import annotations

import hashlib
import re

S3_BUCKET = "aws:s3-bucket"
SQS_QUEUE = "aws:sqs-queue"
DYNAMODB_TABLE = "aws:dynamodb-table"
CLOUDFORMATION = "aws:cloudformation"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()[:8]


def _fit(raw: str, cleaned: str, limit: int, joiner: str = "-") -> str:
    """``cleaned`` when it is ``raw`` unchanged and short enough; otherwise cut to fit with the
    hash of ``raw`` at the end."""
    if cleaned == raw and len(cleaned) <= limit:
        return cleaned
    tail = joiner + _digest(raw)
    return cleaned[: limit - len(tail)].rstrip("-_.") + tail


def stack_name(prefix: str, name: str) -> str:
    """CloudFormation: ``[A-Za-z][-A-Za-z0-9]*``, at most 128 characters."""
    raw = f"{prefix}-{name}" if prefix else name
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9-]", "-", raw)).strip("-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = "s-" + cleaned
    return _fit(raw, cleaned, 128)


def bucket_name(prefix: str, name: str) -> str:
    """S3: 3–63 characters of lowercase letters, digits and hyphens (no dots: they break
    virtual-host TLS), starting and ending with a letter or digit; not ``xn--``/``sthree-``
    prefixed nor ``-s3alias``/``--ol-s3`` suffixed."""
    raw = f"{prefix}-{name}" if prefix else name
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", raw.lower())).strip("-")
    if cleaned.startswith(("xn-", "sthree-")):
        cleaned = "b-" + cleaned
    cleaned = cleaned.removesuffix("-s3alias").removesuffix("-ol-s3")
    cleaned = cleaned if len(cleaned) >= 3 else (cleaned + "-bucket").strip("-")
    return _fit(raw, cleaned, 63)


def queue_name(prefix: str, name: str, fifo: bool = False) -> str:
    """SQS: 1–80 of letters, digits, hyphens and underscores; a FIFO queue's name ends ``.fifo``
    (counted in the 80)."""
    raw = f"{prefix}-{name}" if prefix else name
    raw = raw.removesuffix(".fifo")
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", raw)
    suffix = ".fifo" if fifo else ""
    return _fit(raw, cleaned, 80 - len(suffix)) + suffix


def table_name(prefix: str, name: str) -> str:
    """DynamoDB: 3–255 of letters, digits, ``_``, ``-`` and ``.``."""
    raw = f"{prefix}-{name}" if prefix else name
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "-", raw)
    cleaned = cleaned if len(cleaned) >= 3 else cleaned + "-table"
    return _fit(raw, cleaned, 255)


def physical_name(kind: str, prefix: str, name: str, fifo: bool = False) -> str:
    """The name the resource of ``kind`` gets in the cloud (the stack's name for a generic template)."""
    if kind == S3_BUCKET:
        return bucket_name(prefix, name)
    if kind == SQS_QUEUE:
        return queue_name(prefix, name, fifo)
    if kind == DYNAMODB_TABLE:
        return table_name(prefix, name)
    return stack_name(prefix, name)

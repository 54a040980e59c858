"""Secrets are masked in captured output, in values and in the app host's own log records."""

from __future__ import annotations

import logging

from pyspire.orchestrator.logs import LogStore
from pyspire.orchestrator.redaction import MASK, REDACTED, RedactingFilter, Redactor


def test_a_multi_line_secret_is_masked_even_when_its_lines_arrive_in_separate_reads():
    store = LogStore()
    store.redact(["-----BEGIN KEY-----\nQUJDREVGR0hJSktMTU5PUA==\n-----END KEY-----"])
    store.append("api", "api-x", "stdout", ["-----BEGIN KEY-----"])
    store.append("api", "api-x", "stdout", ["QUJDREVGR0hJSktMTU5PUA=="])
    store.append("api", "api-x", "stdout", ["-----END KEY-----"])
    texts = [line.text for line in store.lines("api")]
    assert texts == [REDACTED, REDACTED, REDACTED]


def test_a_value_that_is_a_short_secret_is_masked_whole_but_text_is_not_garbled_by_it():
    redactor = Redactor()
    redactor.add(["ab1"])
    assert redactor.mask_value("ab1") == MASK
    assert redactor.mask("tab1e of contents") == "tab1e of contents"


def test_a_value_built_from_a_secret_is_masked_where_the_secret_is():
    redactor = Redactor()
    redactor.add(["hunter2-long"])
    assert redactor.mask_value("postgres://app:hunter2-long@db:5432/app") == f"postgres://app:{REDACTED}@db:5432/app"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_app_hosts_log_records_are_masked_message_and_traceback():
    redactor = Redactor()
    redactor.add(["s3cr3t-value"])
    logger = logging.getLogger("pyspire.test-redaction")
    handler = _Collect()
    handler.addFilter(RedactingFilter(redactor))
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError("login failed for s3cr3t-value")
        except RuntimeError:
            logger.exception("could not use %s", "s3cr3t-value")
    finally:
        logger.removeHandler(handler)
    (record,) = handler.records
    assert "s3cr3t-value" not in record.getMessage()
    assert record.exc_text and "login failed for ***" in record.exc_text
    assert "s3cr3t-value" not in logging.Formatter().format(record)

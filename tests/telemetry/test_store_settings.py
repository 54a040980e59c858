"""The store's settings: the span bound, read from the environment or the .env beside apphost.py,
and refused with the variable's name when unusable."""

from __future__ import annotations

import pytest

from pyspire.executor.configuration import Configuration
from pyspire.telemetry.settings import TelemetrySettingError, TelemetrySettings


def test_the_span_bound_defaults_to_32_spans_per_trace_and_can_be_set():
    assert TelemetrySettings.from_settings({}).span_limit == 320_000
    assert TelemetrySettings.from_settings({"PYSPIRE_TELEMETRY_MAX_TRACES": "100"}).span_limit == 3_200
    assert TelemetrySettings.from_settings({"PYSPIRE_TELEMETRY_MAX_SPANS": "5000"}).span_limit == 5_000


def test_an_unusable_span_bound_is_refused_naming_the_variable_and_an_example():
    with pytest.raises(TelemetrySettingError) as caught:
        TelemetrySettings.from_settings({"PYSPIRE_TELEMETRY_MAX_SPANS": "lots"})
    assert "PYSPIRE_TELEMETRY_MAX_SPANS='lots'" in str(caught.value) and "320000" in str(caught.value)


def test_telemetry_settings_in_the_dotenv_beside_apphost_reach_the_app_host_and_the_environment_wins(tmp_path):
    (tmp_path / ".env").write_text("PYSPIRE_TELEMETRY_PERSIST=1\nPYSPIRE_TELEMETRY_MAX_LOGS=50\nOTHER=x\n")
    settings = Configuration(tmp_path, {"PYSPIRE_TELEMETRY_MAX_LOGS": "70"}).app_settings()
    parsed = TelemetrySettings.from_settings(settings)
    assert parsed.persist is True
    assert parsed.max_logs == 70
    assert "OTHER" not in settings, "only the app host's own settings come from the .env"

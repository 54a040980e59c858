"""What the receiver keeps per record is bounded by the limits in bytes, not only in count: a
span with a 1 MiB attribute, or a log whose body is a whole file, does not stay in memory whole
(spans keep their parsed batch until their attributes are read, unless the batch is large)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

KEEPS_DECODED_RECORDS = textwrap.dedent(
    """
    import gc, sys
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from tests.telemetry.test_otlp_decode import decoder

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20

    decode = decoder(Path({tmp!r}))
    kept = []
    gc.collect()
    before = rss_mb()
    for i in range(150):
        request = ExportTraceServiceRequest()
        span = request.resource_spans.add().scope_spans.add().spans.add()
        span.trace_id, span.span_id, span.name = bytes([1]) * 16, bytes([2]) * 8, "n" * (1 << 20)
        pair = span.attributes.add()
        pair.key, pair.value.string_value = "big", "x" * (1 << 20)
        logs = ExportLogsServiceRequest()
        logs.resource_logs.add().scope_logs.add().log_records.add().body.string_value = "y" * (1 << 20)
        parsed = ExportTraceServiceRequest.FromString(request.SerializeToString())
        parsed_logs = ExportLogsServiceRequest.FromString(logs.SerializeToString())
        kept += decode.spans(parsed) + decode.logs(parsed_logs)
        del request, parsed, logs, parsed_logs
    gc.collect()
    print(rss_mb() - before)
    assert len(kept[0].attributes["big"]) == 4096 and len(kept[0].name) == 4096
    """
)


def test_records_with_huge_values_are_kept_within_the_limits_not_whole(tmp_path):
    from pathlib import Path

    repo = str(Path(__file__).resolve().parents[2])
    script = KEEPS_DECODED_RECORDS.format(repo=repo, tmp=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    grown_mb = float(result.stdout.strip().splitlines()[-1])
    # 150 spans and 150 logs of > 2 MiB each on the wire: kept whole that is > 450 MiB.
    assert grown_mb < 60, f"memory grew by {grown_mb:.0f} MiB for 300 records"

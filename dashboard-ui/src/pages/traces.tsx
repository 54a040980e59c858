// Traces: the list (newest first, live, duration bars scaled to the slowest trace shown) and,
// at #/traces?trace=ID, one trace's waterfall with span details and search.
import { memo } from "preact/compat";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import { href, navigate } from "../router";
import { resourceColor } from "../telemetry/colors";
import { LiveToggle, ResourceSelect, SelectFilter, TextFilter } from "../telemetry/filters";
import { formatDateTime, formatDuration, formatTime, shortId } from "../telemetry/format";
import { attributeParams, getTelemetry, parseDurationMs, watchTelemetry, type Query } from "../telemetry/http";
import { useTelemetryResources } from "../telemetry/resources";
import { SpanDetails } from "../telemetry/span-details";
import type { TraceDetail, TraceSummary } from "../telemetry/types";
import { Waterfall } from "../telemetry/waterfall";
import "../telemetry/telemetry.css";

const MAX_TRACES = 1000;

export function TracesPage({ params }: { params: URLSearchParams }) {
  const trace = params.get("trace");
  return trace ? <TraceView traceId={trace} /> : <TraceList resource={params.get("resource") ?? ""} />;
}

function TraceList({ resource }: { resource: string }) {
  const [text, setText] = useState("");
  const [minDuration, setMinDuration] = useState("");
  const [maxDuration, setMaxDuration] = useState("");
  const [status, setStatus] = useState("");
  const [attributes, setAttributes] = useState("");
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [, setVersion] = useState(0);
  const [olderDone, setOlderDone] = useState(false);
  const traces = useRef(new Map<string, TraceSummary>());
  const pending = useRef(new Map<string, TraceSummary>());
  const pausedRef = useRef(false);
  const names = useTelemetryResources();

  const minMs = parseDurationMs(minDuration);
  const maxMs = parseDurationMs(maxDuration);
  const query: Query = useMemo(
    () => [
      ["resource", resource],
      ["text", text],
      ["min_duration_ms", minMs],
      ["max_duration_ms", maxMs],
      ["status", status],
      ...attributeParams(attributes),
    ],
    [resource, text, minMs, maxMs, status, attributes],
  );

  useEffect(() => {
    traces.current = new Map();
    pending.current = new Map();
    setOlderDone(false);
    setError(null);
    setVersion((n) => n + 1);
    let alive = true;
    // The watch stream is the fresher source: its first event is a snapshot taken after it
    // subscribed, and every later change re-sends the whole summary. A page fetched alongside it
    // may answer after a watch event, so it only adds traces not known yet, never overwrites one
    // (an older snapshot would freeze a row at fewer spans than the trace has).
    const merge = (items: TraceSummary[], live: boolean) => {
      if (!alive || items.length === 0) return;
      const target = pausedRef.current ? pending.current : traces.current;
      for (const item of items) {
        if (live || !(traces.current.has(item.trace_id) || pending.current.has(item.trace_id))) target.set(item.trace_id, item);
      }
      setVersion((n) => n + 1);
    };
    const close = watchTelemetry<{ items: TraceSummary[] }>("/v1/telemetry/traces", [...query, ["limit", 200]], "traces", (data) =>
      merge(data.items ?? [], true),
    );
    getTelemetry<{ items: TraceSummary[] }>("/v1/telemetry/traces", [...query, ["limit", 200]])
      .then((page) => {
        if (page.items.length < 200) setOlderDone(true);
        merge(page.items, false);
      })
      .catch((err: unknown) => alive && setError(err instanceof Error ? err.message : String(err)));
    return () => {
      alive = false;
      close();
    };
  }, [query]);

  const loadOlder = async (beforeMs: number) => {
    try {
      const page = await getTelemetry<{ items: TraceSummary[] }>("/v1/telemetry/traces", [...query, ["limit", 200], ["before_ms", beforeMs]]);
      if (page.items.length < 200) setOlderDone(true);
      for (const item of page.items) if (!traces.current.has(item.trace_id)) traces.current.set(item.trace_id, item);
      setVersion((n) => n + 1);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const togglePause = () => {
    const next = !paused;
    pausedRef.current = next;
    if (!next) {
      for (const [id, item] of pending.current) traces.current.set(id, item);
      pending.current = new Map();
    }
    setPaused(next);
  };

  let items = [...traces.current.values()].sort((a, b) => b.start_ms - a.start_ms);
  if (items.length > MAX_TRACES) {
    items = items.slice(0, MAX_TRACES);
    const kept = new Set(items.map((t) => t.trace_id));
    for (const id of [...traces.current.keys()]) if (!kept.has(id)) traces.current.delete(id);
  }
  const slowest = items.reduce((max, t) => Math.max(max, t.duration_ms), 0);
  const setResource = (value: string) => navigate("traces", value ? { resource: value } : {});

  return (
    <div class="tpage">
      <header class="thead">
        <h1>Traces</h1>
        <div class="tfilters">
          <ResourceSelect value={resource} names={names} onChange={setResource} testId="traces-resource" />
          <TextFilter label="Span name" value={text} onChange={setText} placeholder="contains…" testId="traces-text" />
          <TextFilter label="Min duration" value={minDuration} onChange={setMinDuration} placeholder="250ms" width="7em" testId="traces-min" />
          <TextFilter label="Max duration" value={maxDuration} onChange={setMaxDuration} placeholder="2s" width="7em" testId="traces-max" />
          <SelectFilter
            label="Status"
            value={status}
            options={[
              ["", "(any)"],
              ["error", "error"],
              ["ok", "ok"],
              ["unset", "unset"],
            ]}
            onChange={setStatus}
            testId="traces-status"
          />
          <TextFilter label="Attributes" value={attributes} onChange={setAttributes} placeholder="key=value …" testId="traces-attribute" />
          <LiveToggle paused={paused} pending={pending.current.size} onToggle={togglePause} />
        </div>
      </header>
      {error && <p class="terror">{error}</p>}
      {(minDuration && minMs === null) || (maxDuration && maxMs === null) ? (
        <p class="terror">A duration is a number with ms, s or m (e.g. 250ms, 1.5s); the filter is ignored until then.</p>
      ) : null}
      <div class="ttrace-list" data-testid="trace-list">
        <div class="ttrace-row thead-row">
          <span class="c-time">Start</span>
          <span class="c-name">Name</span>
          <span class="c-spans">Spans</span>
          <span class="c-bar">Duration</span>
        </div>
        {items.length === 0 && <p class="tempty">No traces{query.some(([k, v]) => k !== "resource" && v) || resource ? " match these filters" : " yet"}.</p>}
        {items.map((trace) => (
          <TraceRow key={trace.trace_id} trace={trace} slowest={slowest} />
        ))}
        {items.length > 0 && !olderDone && (
          <div class="tolder">
            <button onClick={() => loadOlder(items[items.length - 1].start_ms)}>Load older</button>
          </div>
        )}
      </div>
    </div>
  );
}

const TraceRow = memo(function TraceRow({ trace, slowest }: { trace: TraceSummary; slowest: number }) {
  const width = slowest > 0 ? Math.max((trace.duration_ms / slowest) * 100, 0.5) : 100;
  return (
    <a class={`ttrace-row ${trace.error_count ? "error" : ""}`} href={href("traces", { trace: trace.trace_id })} data-testid={`trace-row-${trace.trace_id}`}>
      <span class="c-time" title={trace.start}>
        {formatTime(trace.start_ms)}
      </span>
      <span class="c-name">
        <span class="tdot" style={{ background: resourceColor(trace.resource) }} />
        <strong>{trace.resource}:</strong> {trace.name} <span class="tmuted">{shortId(trace.trace_id)}</span>
        <span class="tres-chips">
          {trace.resources.map((name) => (
            <span class="tres-chip" style={{ borderColor: resourceColor(name) }}>
              {name}
            </span>
          ))}
        </span>
      </span>
      <span class="c-spans">
        {trace.span_count}
        {trace.error_count > 0 && <span class="terr-count" title="spans with errors"> ⚠ {trace.error_count}</span>}
      </span>
      <span class="c-bar">
        <span class="tdur-bar" style={{ width: `${width}%` }} />
        <span class="tdur-text">{formatDuration(trace.duration_ms)}</span>
      </span>
    </a>
  );
});

function TraceView({ traceId }: { traceId: string }) {
  const [trace, setTrace] = useState<TraceDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  const [matchCount, setMatchCount] = useState(0);
  const [matchAt, setMatchAt] = useState(0);
  const show = useRef<(n: number) => void>(() => undefined);

  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    const load = () =>
      getTelemetry<TraceDetail>(`/v1/telemetry/traces/${encodeURIComponent(traceId)}`)
        .then((detail) => alive && (setTrace(detail), setError(null)))
        .catch((err: unknown) => alive && setError(err instanceof ApiError || err instanceof Error ? err.message : String(err)));
    load();
    // Spans of a trace still running keep arriving: load again (at most every 500 ms) when the
    // live list says this trace changed.
    const close = watchTelemetry<{ items: TraceSummary[] }>("/v1/telemetry/traces", [["limit", 50]], "traces", (data) => {
      if (timer === undefined && (data.items ?? []).some((t) => t.trace_id === traceId)) {
        timer = window.setTimeout(() => {
          timer = undefined;
          load();
        }, 500);
      }
    });
    return () => {
      alive = false;
      window.clearTimeout(timer);
      close();
    };
  }, [traceId]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setSelected(null);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const span = trace?.spans.find((s) => s.span_id === selected) ?? null;
  const step = (delta: number) => {
    if (matchCount === 0) return;
    const next = (matchAt + delta + matchCount) % matchCount;
    setMatchAt(next);
    show.current(next);
  };
  return (
    <div class="tpage">
      <header class="thead">
        <h1>
          <a href={href("traces")} class="tback">
            Traces
          </a>{" "}
          / {trace ? `${trace.resource}: ${trace.name}` : shortId(traceId)}
        </h1>
        {trace && (
          <div class="tfilters">
            <span class="tstat">
              {formatDateTime(trace.start_ms)} · {formatDuration(trace.duration_ms)} · {trace.span_count} spans
              {trace.error_count > 0 && <span class="terror-text"> · {trace.error_count} errors</span>} · {trace.resources.join(", ")}
            </span>
            <label class="tfield">
              <span>Find in trace</span>
              <input
                type="search"
                value={search}
                placeholder="span, resource, attribute…"
                data-testid="trace-search"
                onInput={(e) => {
                  setSearch((e.target as HTMLInputElement).value);
                  setMatchAt(0);
                }}
                onKeyDown={(e) => {
                  if (e.key === "Enter") step(e.shiftKey ? -1 : 1);
                }}
              />
            </label>
            {search && (
              <span class="tmatches" data-testid="trace-search-count">
                {matchCount ? `${matchAt + 1} of ${matchCount}` : "no match"}
                <button onClick={() => step(-1)} aria-label="previous match">
                  ↑
                </button>
                <button onClick={() => step(1)} aria-label="next match">
                  ↓
                </button>
              </span>
            )}
            <a href={href("structured", { trace_id: traceId })}>Logs</a>
          </div>
        )}
      </header>
      {error && <p class="terror">{error}</p>}
      {trace && (
        <div class="ttrace-body">
          <Waterfall
            spans={trace.spans}
            startMs={trace.start_ms}
            durationMs={trace.duration_ms}
            selected={selected}
            onSelect={setSelected}
            search={search}
            onMatches={(count, fn) => {
              setMatchCount(count);
              show.current = fn;
            }}
          />
          {span && <SpanDetails span={span} traceStartMs={trace.start_ms} onClose={() => setSelected(null)} />}
        </div>
      )}
    </div>
  );
}

// Structured logs: the OTLP log records of every resource, newest at the bottom, followed live
// (SSE) unless paused; filters by resource, minimum severity, text and attributes; a record
// expands to its attributes and links to its trace.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { href, navigate } from "../router";
import { AttributeTable, LiveToggle, ResourceSelect, SelectFilter, TextFilter } from "../telemetry/filters";
import { formatTime, shortId } from "../telemetry/format";
import { attributeParams, getTelemetry, watchTelemetry, type Query } from "../telemetry/http";
import { resourceColor, SEVERITY_CLASS } from "../telemetry/colors";
import { useTelemetryResources } from "../telemetry/resources";
import { SEVERITIES, type LogRecord } from "../telemetry/types";
import { VirtualList, type VirtualListHandle } from "../telemetry/virtual-list";
import "../telemetry/telemetry.css";

/** The page keeps at most this many records; older ones are dropped from the view (not the store). */
const MAX_ROWS = 10_000;
const PAGE = 500;

export function StructuredLogsPage({ params }: { params: URLSearchParams }) {
  const resource = params.get("resource") ?? "";
  const traceId = params.get("trace_id") ?? "";
  const [severity, setSeverity] = useState("");
  const [text, setText] = useState("");
  const [attributes, setAttributes] = useState("");
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<Set<number>>(new Set());
  const [, setVersion] = useState(0);
  const rows = useRef<LogRecord[]>([]);
  const pending = useRef<LogRecord[]>([]);
  const pausedRef = useRef(false);
  const list = useRef<VirtualListHandle | null>(null);
  const follow = useRef(true);
  const [olderDone, setOlderDone] = useState(false);
  const names = useTelemetryResources();

  const query: Query = useMemo(
    () => [["resource", resource], ["trace_id", traceId], ["severity", severity], ["text", text], ...attributeParams(attributes)],
    [resource, traceId, severity, text, attributes],
  );

  useEffect(() => {
    rows.current = [];
    pending.current = [];
    follow.current = true;
    setOlderDone(false);
    setExpanded(new Set());
    setError(null);
    setVersion((n) => n + 1);
    let first = true;
    const close = watchTelemetry<{ items: LogRecord[] }>("/v1/telemetry/logs", [...query, ["limit", PAGE]], "logs", (data) => {
      const fresh = data.items ?? [];
      // The stream's first event is the newest page: shorter than asked means nothing is older.
      if (first && fresh.length < PAGE) setOlderDone(true);
      first = false;
      if (fresh.length === 0) return;
      const all = [...rows.current, ...pending.current];
      const lastId = all.length ? all[all.length - 1].id : -1;
      const newer = fresh.filter((r) => r.id > lastId);
      if (newer.length === 0) return;
      if (pausedRef.current) {
        pending.current = pending.current.concat(newer);
      } else {
        follow.current = list.current?.atEnd() ?? true;
        rows.current = rows.current.concat(newer);
        if (rows.current.length > MAX_ROWS) rows.current = rows.current.slice(rows.current.length - MAX_ROWS);
      }
      setVersion((n) => n + 1);
    });
    return close;
  }, [query]);

  useEffect(() => {
    if (follow.current && !paused) list.current?.scrollToEnd();
  });

  const togglePause = () => {
    const next = !paused;
    pausedRef.current = next;
    if (!next) {
      rows.current = rows.current.concat(pending.current).slice(-MAX_ROWS);
      pending.current = [];
      follow.current = true;
    }
    setPaused(next);
  };

  const loadOlder = async () => {
    const first = rows.current[0];
    try {
      const page = await getTelemetry<{ items: LogRecord[] }>("/v1/telemetry/logs", [
        ...query,
        ["limit", PAGE],
        ["before", first ? first.id : null],
      ]);
      if (page.items.length < PAGE) setOlderDone(true);
      follow.current = false;
      rows.current = page.items.concat(rows.current);
      setVersion((n) => n + 1);
    } catch (err) {
      setError(String((err as Error).message ?? err));
    }
  };

  const setParam = (key: string, value: string) => {
    const next: Record<string, string> = {};
    if (resource) next.resource = resource;
    if (traceId) next.trace_id = traceId;
    if (value) next[key] = value;
    else delete next[key];
    navigate("structured", next);
  };

  const toggle = (id: number) => {
    const next = new Set(expanded);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setExpanded(next);
  };

  const items = rows.current;
  return (
    <div class="tpage">
      <header class="thead">
        <h1>Structured logs</h1>
        <div class="tfilters">
          <ResourceSelect value={resource} names={names} onChange={(v) => setParam("resource", v)} testId="logs-resource" />
          <SelectFilter
            label="Min level"
            value={severity}
            options={[["", "(all)"], ...SEVERITIES.map((s) => [s, s] as [string, string])]}
            onChange={setSeverity}
            testId="logs-severity"
          />
          <TextFilter label="Message" value={text} onChange={setText} placeholder="contains…" testId="logs-text" />
          <TextFilter label="Attributes" value={attributes} onChange={setAttributes} placeholder="key=value …" testId="logs-attribute" />
          {traceId && (
            <span class="tchip">
              trace {shortId(traceId)}
              <button title="Show every trace" onClick={() => setParam("trace_id", "")}>
                ×
              </button>
            </span>
          )}
          <LiveToggle paused={paused} pending={pending.current.length} onToggle={togglePause} />
        </div>
      </header>
      {error && <p class="terror">{error}</p>}
      <div class="tlog-head">
        <span class="c-time">Time</span>
        <span class="c-res">Resource</span>
        <span class="c-sev">Level</span>
        <span class="c-body">Message</span>
        <span class="c-trace">Trace</span>
      </div>
      {items.length === 0 ? (
        <p class="tempty">No log records{resource || severity || text || attributes || traceId ? " match these filters" : " yet"}.</p>
      ) : (
        <VirtualList
          class="tlog-list"
          testId="log-list"
          count={items.length + 1}
          rowHeight={26}
          rowKey={(i) => (i === 0 ? "older" : items[i - 1].id)}
          handle={(h) => (list.current = h)}
          renderRow={(i) => {
            if (i === 0)
              return olderDone ? (
                <div class="tolder tmuted">Start of the stored records</div>
              ) : (
                <div class="tolder">
                  <button onClick={loadOlder}>Load older</button>
                </div>
              );
            const record = items[i - 1];
            return <LogRow record={record} open={expanded.has(record.id)} onToggle={() => toggle(record.id)} />;
          }}
        />
      )}
    </div>
  );
}

function LogRow({ record, open, onToggle }: { record: LogRecord; open: boolean; onToggle: () => void }) {
  return (
    <div class={`tlog-row ${open ? "open" : ""}`} data-testid="log-row" data-id={record.id} data-severity={record.severity}>
      <div class="tlog-line" onClick={onToggle}>
        <span class="c-time">{formatTime(record.time_ms)}</span>
        <span class="c-res" title={record.replica || record.resource}>
          <span class="tdot" style={{ background: resourceColor(record.resource) }} />
          {record.resource}
        </span>
        <span class={`c-sev tsev ${SEVERITY_CLASS[record.severity] ?? ""}`}>{record.severity_text || record.severity}</span>
        <span class="c-body" title={record.body}>
          {record.body}
        </span>
        <span class="c-trace">
          {record.trace_id && (
            <a href={href("traces", { trace: record.trace_id })} data-testid="log-trace-link" onClick={(e) => e.stopPropagation()}>
              {shortId(record.trace_id)}
            </a>
          )}
        </span>
      </div>
      {open && (
        <div class="tlog-details">
          <dl class="tmeta">
            <dt>Time</dt>
            <dd>{record.time}</dd>
            <dt>Resource</dt>
            <dd>
              {record.resource}
              {record.replica ? ` (${record.replica})` : ""}
            </dd>
            <dt>Scope</dt>
            <dd>{record.scope || "–"}</dd>
            {record.span_id && (
              <>
                <dt>Span</dt>
                <dd>{record.span_id}</dd>
              </>
            )}
          </dl>
          <pre class="tbody-full">{record.body}</pre>
          <AttributeTable attributes={record.attributes} testId="log-attributes" />
        </div>
      )}
    </div>
  );
}

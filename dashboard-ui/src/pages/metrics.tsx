// Metrics: the instruments each resource reports, and a live chart of the selected one —
// a line per series for gauges and sums; for histograms the latest bucket distribution and
// p50/p95 over time. Points arrive over SSE (/v1/telemetry/metrics/{name}?watch=1).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { navigate } from "../router";
import { BucketChart, LineChart, type LineSeries } from "../telemetry/chart";
import { ResourceSelect } from "../telemetry/filters";
import { formatNumber, formatTime } from "../telemetry/format";
import { intervals, quantile } from "../telemetry/histogram";
import { getTelemetry, watchTelemetry } from "../telemetry/http";
import { useTelemetryResources } from "../telemetry/resources";
import { isHistogram, type HistogramPoint, type InstrumentSummary, type MetricDetail, type MetricSeries, type ValuePoint } from "../telemetry/types";
import "../telemetry/telemetry.css";

/** Points kept per series in the page (the store keeps its own limit). */
const MAX_POINTS = 3000;

export function MetricsPage({ params }: { params: URLSearchParams }) {
  const resource = params.get("resource") ?? "";
  const selected = params.get("instrument") ?? "";
  const names = useTelemetryResources();
  const [instruments, setInstruments] = useState<InstrumentSummary[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    const load = () =>
      getTelemetry<{ items: InstrumentSummary[] }>("/v1/telemetry/metrics", [["resource", resource]])
        .then((page) => alive && (setInstruments(page.items), setError(null)))
        .catch((err: unknown) => alive && setError(err instanceof Error ? err.message : String(err)));
    load();
    const timer = window.setInterval(load, 3000);
    return () => {
      alive = false;
      window.clearInterval(timer);
    };
  }, [resource]);

  const go = (next: { resource?: string; instrument?: string }) => {
    const query: Record<string, string> = {};
    const r = next.resource ?? resource;
    const i = next.instrument ?? selected;
    if (r) query.resource = r;
    if (i) query.instrument = i;
    navigate("metrics", query);
  };
  const byResource = new Map<string, InstrumentSummary[]>();
  for (const item of instruments) byResource.set(item.resource, [...(byResource.get(item.resource) ?? []), item]);

  return (
    <div class="tpage">
      <header class="thead">
        <h1>Metrics</h1>
        <div class="tfilters">
          <ResourceSelect value={resource} names={names} onChange={(v) => go({ resource: v })} testId="metrics-resource" />
        </div>
      </header>
      {error && <p class="terror">{error}</p>}
      <div class="tmetrics">
        <nav class="tinstruments" aria-label="instruments">
          {instruments.length === 0 && <p class="tempty">No metrics{resource ? ` from ${resource}` : ""} yet.</p>}
          {[...byResource.entries()].map(([name, items]) => (
            <section>
              <h3>{name}</h3>
              {items.map((item) => (
                <button
                  class={`tinstrument ${item.name === selected ? "active" : ""}`}
                  data-testid={`instrument-${item.name}`}
                  title={item.description}
                  onClick={() => go({ instrument: item.name })}
                >
                  <span>{item.name}</span>
                  <span class="tmuted">
                    {item.kind}
                    {item.unit ? ` · ${item.unit}` : ""}
                  </span>
                </button>
              ))}
            </section>
          ))}
        </nav>
        <section class="tchart-area">
          {selected ? <InstrumentView name={selected} resource={resource} /> : <p class="tempty">Choose an instrument.</p>}
        </section>
      </div>
    </div>
  );
}

function seriesKey(series: { resource: string; replica: string; attributes: unknown }): string {
  return `${series.resource}\u0000${series.replica}\u0000${JSON.stringify(series.attributes)}`;
}

function seriesLabel(series: MetricSeries): string {
  const attrs = Object.entries(series.attributes ?? {})
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
  return `${series.replica || series.resource}${attrs ? ` {${attrs}}` : ""}`;
}

function InstrumentView({ name, resource }: { name: string; resource: string }) {
  const [detail, setDetail] = useState<MetricDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const series = useRef(new Map<string, MetricSeries>());

  useEffect(() => {
    series.current = new Map();
    setDetail(null);
    setError(null);
    let alive = true;
    let lastMs = 0;
    const merge = (incoming: MetricSeries[]) => {
      for (const s of incoming) {
        const key = seriesKey(s);
        const current = series.current.get(key);
        if (!current) {
          series.current.set(key, { ...s, points: s.points.slice(-MAX_POINTS) });
        } else {
          const last = current.points.length ? current.points[current.points.length - 1].time_ms : -Infinity;
          const fresh = s.points.filter((p) => p.time_ms > last);
          if (fresh.length) current.points = current.points.concat(fresh).slice(-MAX_POINTS);
        }
        for (const p of s.points) lastMs = Math.max(lastMs, p.time_ms);
      }
      setVersion((n) => n + 1);
    };
    const path = `/v1/telemetry/metrics/${encodeURIComponent(name)}`;
    let close: () => void = () => undefined;
    getTelemetry<MetricDetail>(path, [["resource", resource]])
      .then((d) => {
        if (!alive) return;
        merge(d.series);
        setDetail(d);
        close = watchTelemetry<{ series: MetricSeries[] }>(path, [["resource", resource], ["since_ms", lastMs || null]], "points", (data) =>
          alive ? merge(data.series ?? []) : undefined,
        );
      })
      .catch((err: unknown) => alive && setError(err instanceof Error ? err.message : String(err)));
    return () => {
      alive = false;
      close();
    };
  }, [name, resource]);

  const all = useMemo(() => [...series.current.values()], [version]);
  if (error) return <p class="terror">{error}</p>;
  if (!detail) return <p class="tmuted">Loading {name}…</p>;
  const { instrument } = detail;
  const pointCount = all.reduce((n, s) => n + s.points.length, 0);
  const histogram = instrument.kind === "histogram" || instrument.kind === "exponential_histogram";
  return (
    <div class="tinstrument-view" data-testid="metric-chart" data-instrument={instrument.name} data-point-count={pointCount} data-series-count={all.length}>
      <h2>
        {instrument.name} <span class="tmuted">{instrument.unit}</span>
      </h2>
      <p class="tmuted">
        {instrument.description || "No description"} · {instrument.kind}
        {instrument.kind === "sum" ? (instrument.monotonic ? " (counter)" : " (up-down counter)") : ""}
        {instrument.temporality ? ` · ${instrument.temporality}` : ""}
      </p>
      {histogram ? (
        <HistogramCharts series={all} unit={instrument.unit} cumulative={instrument.temporality !== "delta"} />
      ) : (
        <ValueChart series={all} unit={instrument.unit} counter={instrument.kind === "sum" && instrument.monotonic} cumulative={instrument.temporality !== "delta"} />
      )}
      <SeriesTable series={all} unit={instrument.unit} />
    </div>
  );
}

/** A line per series; a counter can be shown as its rate (per second between points), which is
 * what a person usually asks of a total that only grows. */
function ValueChart({ series, unit, counter, cumulative }: { series: MetricSeries[]; unit: string; counter: boolean; cumulative: boolean }) {
  const [rate, setRate] = useState(false);
  const lines: LineSeries[] = series.map((s) => {
    const points = (s.points as ValuePoint[]).filter((p) => !isHistogram(p));
    if (!rate || !counter) return { label: seriesLabel(s), points: points.map((p) => [p.time_ms, p.value] as [number, number]) };
    const perSecond: Array<[number, number | null]> = [];
    for (let i = 1; i < points.length; i++) {
      const seconds = (points[i].time_ms - points[i - 1].time_ms) / 1000;
      const delta = cumulative ? points[i].value - points[i - 1].value : points[i].value;
      perSecond.push([points[i].time_ms, seconds > 0 && delta >= 0 ? delta / seconds : null]);
    }
    return { label: `${seriesLabel(s)} /s`, points: perSecond };
  });
  return (
    <>
      {counter && (
        <label class="trate">
          <input type="checkbox" checked={rate} data-testid="metric-rate" onChange={(e) => setRate((e.target as HTMLInputElement).checked)} /> Show
          as a rate (per second)
        </label>
      )}
      <LineChart series={lines} unit={rate && counter ? `${unit}/s` : unit} />
    </>
  );
}

function HistogramCharts({ series, unit, cumulative }: { series: MetricSeries[]; unit: string; cumulative: boolean }) {
  const shown = series.slice(0, 5);
  const lines: LineSeries[] = [];
  for (const s of shown) {
    const points = (s.points as HistogramPoint[]).filter(isHistogram);
    const steps = intervals(points, cumulative);
    const label = seriesLabel(s);
    lines.push({ label: `p50 ${label}`, points: steps.map((st) => [st.time_ms, quantile(st.point.bounds, st.counts, 0.5, st.point.min, st.point.max)]) });
    lines.push({ label: `p95 ${label}`, points: steps.map((st) => [st.time_ms, quantile(st.point.bounds, st.counts, 0.95, st.point.min, st.point.max)]) });
  }
  // The latest distribution, summed over series with the same buckets as the first.
  let bounds: number[] = [];
  let counts: number[] = [];
  for (const s of series) {
    const points = (s.points as HistogramPoint[]).filter(isHistogram);
    const last = points[points.length - 1];
    if (!last) continue;
    if (counts.length === 0) {
      bounds = last.bounds;
      counts = [...last.bucket_counts];
    } else if (last.bucket_counts.length === counts.length) counts = counts.map((c, i) => c + last.bucket_counts[i]);
  }
  return (
    <>
      <LineChart series={lines} unit={unit} title="p50 / p95 per interval" />
      {counts.length > 0 && <BucketChart bounds={bounds} counts={counts} unit={unit} title={cumulative ? "Distribution since start (latest point)" : "Distribution of the latest interval"} />}
    </>
  );
}

function SeriesTable({ series, unit }: { series: MetricSeries[]; unit: string }) {
  return (
    <table class="tseries">
      <thead>
        <tr>
          <th>Series</th>
          <th>Points</th>
          <th>Last</th>
          <th>At</th>
        </tr>
      </thead>
      <tbody>
        {series.map((s) => {
          const last = s.points[s.points.length - 1];
          const value = !last ? "–" : isHistogram(last) ? `count ${last.count}, sum ${formatNumber(last.sum, unit)}` : formatNumber(last.value, unit);
          return (
            <tr>
              <td>{seriesLabel(s)}</td>
              <td>{s.points.length}</td>
              <td>{value}</td>
              <td>{last ? formatTime(last.time_ms) : "–"}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

// The telemetry read API's JSON (docs: the control API's /v1/telemetry routes). Times come as
// milliseconds since the epoch in floats (`*_ms`) because JS numbers cannot hold nanoseconds.

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export type Severity = "unspecified" | "trace" | "debug" | "info" | "warn" | "error" | "fatal";
export type SpanStatus = "unset" | "ok" | "error";

export interface SpanEvent {
  name: string;
  time_ms: number;
  attributes: Attributes;
}

export interface SpanLink {
  trace_id: string;
  span_id: string;
  attributes: Attributes;
}

export interface Span {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  name: string;
  kind: string;
  start: string;
  start_ms: number;
  duration_ms: number;
  status: SpanStatus;
  status_message: string;
  resource: string;
  replica: string;
  scope: string;
  attributes: Attributes;
  events: SpanEvent[];
  links: SpanLink[];
}

export interface LogRecord {
  id: number;
  time: string;
  time_ms: number;
  severity: Severity;
  severity_number: number;
  severity_text: string;
  body: string;
  attributes: Attributes;
  trace_id: string;
  span_id: string;
  resource: string;
  replica: string;
  scope: string;
}

export interface TraceSummary {
  trace_id: string;
  name: string;
  resource: string;
  start: string;
  start_ms: number;
  duration_ms: number;
  span_count: number;
  error_count: number;
  resources: string[];
}

export interface TraceDetail extends TraceSummary {
  spans: Span[];
}

export interface InstrumentInfo {
  name: string;
  description: string;
  unit: string;
  kind: "gauge" | "sum" | "histogram" | "exponential_histogram" | "summary";
  monotonic: boolean;
  temporality: string;
}

export interface InstrumentSummary extends InstrumentInfo {
  resource: string;
  scope: string;
  series_count: number;
  point_count: number;
  last_ms: number;
}

export interface ValuePoint {
  time_ms: number;
  value: number;
}

export interface HistogramPoint {
  time_ms: number;
  count: number;
  sum: number | null;
  min: number | null;
  max: number | null;
  bounds: number[];
  bucket_counts: number[];
}

export type MetricPoint = ValuePoint | HistogramPoint;

export interface MetricSeries {
  resource: string;
  replica: string;
  attributes: Attributes;
  points: MetricPoint[];
}

export interface MetricDetail {
  instrument: InstrumentInfo;
  series: MetricSeries[];
}

export interface KindStats {
  stored: number;
  limit: number;
  evicted: number;
  dropped: number;
}

export interface TelemetryStats {
  logs: KindStats;
  spans: KindStats;
  traces: KindStats;
  metric_points: KindStats;
  resources: Record<string, { logs: number; spans: number; metric_points: number }>;
  persisted: boolean;
}

export const SEVERITIES: Severity[] = ["trace", "debug", "info", "warn", "error", "fatal"];

export function isHistogram(point: MetricPoint): point is HistogramPoint {
  return "bucket_counts" in point;
}

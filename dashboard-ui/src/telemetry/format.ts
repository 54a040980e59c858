// How durations, times and attribute values read on the telemetry pages: short, with a unit a
// person can compare at a glance (850 µs, 12.3 ms, 1.25 s, 2m 03s).
import type { AttributeValue } from "./types";

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
}

/** Local wall-clock time with milliseconds: what a person compares between logs and spans. */
export function formatTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

export function formatDateTime(ms: number): string {
  const date = new Date(ms);
  return `${date.toLocaleDateString()} ${formatTime(ms)}`;
}

export function formatValue(value: AttributeValue): string {
  if (value === null) return "null";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** A number with a unit for chart axes and legends (1.2k, 3.4M); bytes and seconds spelled out. */
export function formatNumber(value: number | null | undefined, unit = ""): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const abs = Math.abs(value);
  let text: string;
  if (abs >= 1e9) text = `${(value / 1e9).toFixed(2)}G`;
  else if (abs >= 1e6) text = `${(value / 1e6).toFixed(2)}M`;
  else if (abs >= 1e4) text = `${(value / 1e3).toFixed(1)}k`;
  else if (Number.isInteger(value)) text = String(value);
  else text = value.toPrecision(4).replace(/\.?0+$/, "");
  const shown = unit && unit !== "1" ? ` ${unit.replace(/^\{(.*)\}$/, "$1")}` : "";
  return text + shown;
}

// Telemetry queries: the read API takes repeatable parameters (`attribute=k=v` more than once),
// which the shell's params record cannot say, so the query string is built here and handed to
// the shell's getJson/subscribe as part of the path.
import { getJson, subscribe } from "../api";

export type Query = Array<[string, string | number | null | undefined]>;

export function withQuery(path: string, query: Query): string {
  const qs = new URLSearchParams();
  for (const [key, value] of query) {
    if (value !== undefined && value !== null && value !== "") qs.append(key, String(value));
  }
  const text = qs.toString();
  return text ? `${path}?${text}` : path;
}

export function getTelemetry<T>(path: string, query: Query = []): Promise<T> {
  return getJson<T>(withQuery(path, query));
}

/** Follow `path?query&watch=1`; `onData` per event of `type`. Returns the call that closes it. */
export function watchTelemetry<T>(path: string, query: Query, type: string, onData: (data: T) => void): () => void {
  return subscribe(withQuery(path, [...query, ["watch", 1]]), {}, [type], (_type, data) => onData(data as T));
}

/** `k=v k2=v2` (what a person types in the attribute box) → repeatable `attribute` parameters. */
export function attributeParams(text: string): Query {
  return text
    .split(/\s+/)
    .map((part) => part.trim())
    .filter((part) => part.includes("="))
    .map((part) => ["attribute", part] as [string, string]);
}

/** "250ms", "1.5s", "2m", "300" (ms) → milliseconds; null when empty or not a duration. */
export function parseDurationMs(text: string): number | null {
  const match = text.trim().match(/^(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m)?$/);
  if (!match) return null;
  const value = Number(match[1]);
  const unit = match[2] ?? "ms";
  const factor = unit === "us" || unit === "µs" ? 0.001 : unit === "ms" ? 1 : unit === "s" ? 1000 : 60_000;
  return value * factor;
}

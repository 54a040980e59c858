// Percentiles from explicit-bucket histograms, and the per-interval distribution of cumulative
// points (a cumulative histogram's point holds everything since the start; the difference of two
// consecutive points is what happened in between).
import type { HistogramPoint } from "./types";

/** The q-quantile (0..1) of a bucket distribution, interpolated inside its bucket; null when empty. */
export function quantile(bounds: number[], counts: number[], q: number, min?: number | null, max?: number | null): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    if (seen + counts[i] >= rank) {
      const lower = i === 0 ? (min ?? Math.min(0, bounds[0] ?? 0)) : bounds[i - 1];
      const upper = i < bounds.length ? bounds[i] : (max ?? bounds[bounds.length - 1] ?? lower);
      const within = (rank - seen) / counts[i];
      return lower + (upper - lower) * Math.min(1, Math.max(0, within));
    }
    seen += counts[i];
  }
  return bounds[bounds.length - 1] ?? null;
}

/** Counts per bucket of each interval: deltas between consecutive cumulative points, or the points themselves. */
export function intervals(points: HistogramPoint[], cumulative: boolean): Array<{ time_ms: number; counts: number[]; point: HistogramPoint }> {
  const out: Array<{ time_ms: number; counts: number[]; point: HistogramPoint }> = [];
  for (let i = 0; i < points.length; i++) {
    const point = points[i];
    const previous = cumulative ? points[i - 1] : undefined;
    if (previous && previous.bucket_counts.length === point.bucket_counts.length && previous.count <= point.count) {
      out.push({ time_ms: point.time_ms, counts: point.bucket_counts.map((c, j) => c - previous.bucket_counts[j]), point });
    } else if (!cumulative || i === 0 || previous) {
      out.push({ time_ms: point.time_ms, counts: point.bucket_counts, point });
    }
  }
  return out;
}

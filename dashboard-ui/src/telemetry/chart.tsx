// uPlot wrappers: a time-series line chart (gauges, sums, histogram percentiles) and a bar
// chart (a histogram's bucket distribution). The chart object lives as long as the component;
// new data goes through setData, so a live update redraws without rebuilding the chart.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { seriesColor } from "./colors";
import { formatNumber } from "./format";

export interface LineSeries {
  label: string;
  /** [time_ms, value] pairs, oldest first. */
  points: Array<[number, number | null]>;
}

/** Aligns series with different timestamps on one x axis (uPlot's data layout), in seconds. */
function align(series: LineSeries[]): uPlot.AlignedData {
  const times = new Set<number>();
  for (const s of series) for (const [t] of s.points) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const columns = series.map((s) => {
    const column: Array<number | null> = new Array(xs.length).fill(null);
    for (const [t, v] of s.points) column[index.get(t)!] = v;
    return column;
  });
  return [xs.map((t) => t / 1000), ...columns] as uPlot.AlignedData;
}

function useSized(build: (width: number) => uPlot, data: uPlot.AlignedData, key: string) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = box.current!;
    chart.current = build(el.clientWidth || 600);
    el.appendChild(chart.current.root);
    const observer = new ResizeObserver(() => chart.current?.setSize({ width: el.clientWidth || 600, height: chart.current.height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, [key]);
  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);
  return box;
}

export function LineChart(props: { series: LineSeries[]; unit: string; height?: number; title?: string }) {
  const data = align(props.series);
  const key = `${props.title}|${props.unit}|${props.series.map((s) => s.label).join("\n")}`;
  const box = useSized(
    (width) =>
      new uPlot(
        {
          title: props.title,
          width,
          height: props.height ?? 260,
          series: [
            {},
            ...props.series.map((s, i) => ({
              label: s.label,
              stroke: seriesColor(i),
              width: 1.5,
              spanGaps: true,
              value: (_u: uPlot, v: number | null) => formatNumber(v, props.unit),
            })),
          ],
          axes: [{}, { size: 60, values: (_u: uPlot, ticks: number[]) => ticks.map((t) => formatNumber(t)) }],
          scales: { x: { time: true } },
          legend: { live: true },
        },
        data,
      ),
    data,
    key,
  );
  return <div class="tchart" ref={box} />;
}

export function BucketChart(props: { bounds: number[]; counts: number[]; unit: string; title: string; height?: number }) {
  const labels = props.counts.map((_, i) =>
    i < props.bounds.length ? `≤ ${formatNumber(props.bounds[i], props.unit)}` : `> ${formatNumber(props.bounds[props.bounds.length - 1], props.unit)}`,
  );
  const data: uPlot.AlignedData = [props.counts.map((_, i) => i), props.counts];
  const key = `${props.title}|${labels.join("|")}`;
  const box = useSized(
    (width) =>
      new uPlot(
        {
          title: props.title,
          width,
          height: props.height ?? 220,
          series: [
            { value: (_u: uPlot, v: number | null) => (v === null ? "" : (labels[v] ?? "")) },
            { label: "count", fill: "rgba(59,130,246,0.55)", stroke: "#3b82f6", paths: uPlot.paths.bars!({ size: [0.8, 60] }), points: { show: false } },
          ],
          scales: {
            x: { time: false, range: (_u: uPlot, min: number, max: number) => [min - 0.5, max + 0.5] },
            y: { range: (_u: uPlot, _min: number, max: number) => [0, Math.max(1, max * 1.1)] },
          },
          axes: [
            { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => (Number.isInteger(t) ? (labels[t] ?? "") : "")), size: 40 },
            { size: 60 },
          ],
          legend: { show: true },
        },
        data,
      ),
    data,
    key,
  );
  return <div class="tchart" ref={box} />;
}

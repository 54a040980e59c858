// A trace's waterfall: one row per span, indented under its parent, its bar placed on the
// trace's timeline and coloured by resource; errors marked. Rows are virtualized (a 5,000-span
// trace renders ~50 rows), a subtree folds, a search highlights matching spans and steps through
// them, and the minimap above zooms the timeline to a dragged window.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { resourceColor } from "./colors";
import { formatDuration, formatValue } from "./format";
import type { Span } from "./types";
import { VirtualList, type VirtualListHandle } from "./virtual-list";

export interface WaterfallRow {
  span: Span;
  depth: number;
  childCount: number;
  /** The resource changes here (a root, or a span of another resource than its parent's). */
  crossesResource: boolean;
}

/** Depth-first order, children by start time; spans whose parent is missing are roots. */
export function orderSpans(spans: Span[]): WaterfallRow[] {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const span of spans) {
    if (span.parent_span_id && ids.has(span.parent_span_id) && span.parent_span_id !== span.span_id) {
      const list = children.get(span.parent_span_id) ?? [];
      list.push(span);
      children.set(span.parent_span_id, list);
    } else roots.push(span);
  }
  const byStart = (a: Span, b: Span) => a.start_ms - b.start_ms;
  roots.sort(byStart);
  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  // An explicit stack: a deep trace must not overflow the call stack.
  const stack: Array<{ span: Span; depth: number; parent: string | null }> = roots.reverse().map((span) => ({ span, depth: 0, parent: null }));
  while (stack.length) {
    const { span, depth, parent } = stack.pop()!;
    if (seen.has(span.span_id)) continue;
    seen.add(span.span_id);
    const kids = (children.get(span.span_id) ?? []).sort(byStart);
    rows.push({ span, depth, childCount: kids.length, crossesResource: parent !== span.resource });
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], depth: depth + 1, parent: span.resource });
  }
  return rows;
}

export function spanMatches(span: Span, needle: string): boolean {
  if (!needle) return false;
  if (span.name.toLowerCase().includes(needle)) return true;
  if (span.resource.toLowerCase().includes(needle) || span.span_id.startsWith(needle)) return true;
  for (const [key, value] of Object.entries(span.attributes ?? {})) {
    if (key.toLowerCase().includes(needle) || formatValue(value).toLowerCase().includes(needle)) return true;
  }
  return false;
}

export interface WaterfallProps {
  spans: Span[];
  startMs: number;
  durationMs: number;
  selected: string | null;
  onSelect: (spanId: string) => void;
  search: string;
  /** Called with how many spans match the search, and a function that shows the n-th. */
  onMatches?: (count: number, show: (n: number) => void) => void;
}

export function Waterfall(props: WaterfallProps) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [view, setView] = useState<[number, number]>([0, 1]);
  const list = useRef<VirtualListHandle | null>(null);
  const ordered = useMemo(() => orderSpans(props.spans), [props.spans]);
  const rows = useMemo(() => {
    if (collapsed.size === 0) return ordered;
    const visible: WaterfallRow[] = [];
    let hideBelow = -1;
    for (const row of ordered) {
      if (hideBelow >= 0 && row.depth > hideBelow) continue;
      hideBelow = -1;
      visible.push(row);
      if (collapsed.has(row.span.span_id)) hideBelow = row.depth;
    }
    return visible;
  }, [ordered, collapsed]);
  const needle = props.search.trim().toLowerCase();
  const matches = useMemo(() => {
    const set = new Set<string>();
    if (needle) for (const row of ordered) if (spanMatches(row.span, needle)) set.add(row.span.span_id);
    return set;
  }, [ordered, needle]);
  const matchIndexes = useMemo(() => rows.flatMap((row, i) => (matches.has(row.span.span_id) ? [i] : [])), [rows, matches]);

  useEffect(() => {
    props.onMatches?.(matches.size, (n) => {
      const index = matchIndexes[n];
      if (index !== undefined) {
        list.current?.scrollToIndex(index);
        props.onSelect(rows[index].span.span_id);
      }
    });
  }, [matches, matchIndexes]);

  const range = Math.max(props.durationMs, 0.001);
  const [from, to] = view;
  const windowMs = range * (to - from);
  const place = (span: Span) => {
    const start = (span.start_ms - props.startMs) / range;
    const end = (span.start_ms + span.duration_ms - props.startMs) / range;
    const left = (start - from) / (to - from);
    const width = (end - start) / (to - from);
    return {
      left: `${Math.max(-1, left) * 100}%`,
      width: `max(2px, ${Math.min(width, 2) * 100}%)`,
      // The duration reads right of the bar, or inside its end when the bar reaches the edge.
      label: left + width > 0.85 ? { right: `${Math.max(0, 1 - left - width) * 100 + 0.5}%` } : { left: `calc(${(left + width) * 100}% + 4px)` },
    };
  };
  const toggle = (id: string) => {
    const next = new Set(collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setCollapsed(next);
  };

  return (
    <div class="twaterfall" data-testid="waterfall" data-span-count={props.spans.length} data-match-count={matches.size}>
      <Minimap spans={ordered} startMs={props.startMs} rangeMs={range} view={view} onView={setView} />
      <div class="twf-head">
        <span class="twf-name">Span</span>
        <span class="twf-timeline">
          {[0, 0.25, 0.5, 0.75, 1].map((f) => (
            <span class="twf-tick" style={{ left: `${f * 100}%` }}>
              {formatDuration(from * range + f * windowMs)}
            </span>
          ))}
        </span>
      </div>
      <VirtualList
        class="twf-list"
        count={rows.length}
        rowHeight={26}
        rowKey={(i) => rows[i].span.span_id}
        handle={(h) => (list.current = h)}
        renderRow={(i) => {
          const { span, depth, childCount, crossesResource } = rows[i];
          const isCollapsed = collapsed.has(span.span_id);
          const classes = ["twf-row"];
          if (span.span_id === props.selected) classes.push("selected");
          if (matches.has(span.span_id)) classes.push("match");
          if (span.status === "error") classes.push("error");
          const color = resourceColor(span.resource);
          const placed = place(span);
          return (
            <div
              class={classes.join(" ")}
              data-testid={`span-row-${span.span_id}`}
              data-depth={depth}
              data-parent={span.parent_span_id}
              onClick={() => props.onSelect(span.span_id)}
            >
              <span class="twf-name" style={{ paddingLeft: `${6 + Math.min(depth, 30) * 12}px` }} title={`${span.resource}: ${span.name}`}>
                {childCount > 0 ? (
                  <button
                    class="twf-fold"
                    aria-label={isCollapsed ? "expand" : "collapse"}
                    onClick={(e) => {
                      e.stopPropagation();
                      toggle(span.span_id);
                    }}
                  >
                    {isCollapsed ? "▸" : "▾"}
                  </button>
                ) : (
                  <span class="twf-fold" />
                )}
                <span class="tdot" style={{ background: color }} />
                {/* The resource's name where it changes; below that the colour says it. */}
                {crossesResource && <span class="twf-res">{span.resource}</span>}
                <span class="twf-label">{span.name}</span>
                {span.status === "error" && (
                  <span class="twf-err" title={span.status_message || "error"}>
                    !
                  </span>
                )}
                {isCollapsed && <span class="tmuted"> +{childCount}</span>}
              </span>
              <span class="twf-timeline">
                <span class="twf-bar" style={{ left: placed.left, width: placed.width, background: color }}>
                  {span.events.map((event) => (
                    <span
                      class="twf-event"
                      title={event.name}
                      style={{ left: `${span.duration_ms > 0 ? ((event.time_ms - span.start_ms) / span.duration_ms) * 100 : 0}%` }}
                    />
                  ))}
                </span>
                <span class="twf-dur" style={placed.label}>
                  {formatDuration(span.duration_ms)}
                </span>
              </span>
            </div>
          );
        }}
      />
    </div>
  );
}

/** Every span as a thin line across the whole trace; drag to zoom the rows' timeline, double-click to reset. */
function Minimap(props: {
  spans: WaterfallRow[];
  startMs: number;
  rangeMs: number;
  view: [number, number];
  onView: (view: [number, number]) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drag, setDrag] = useState<[number, number] | null>(null);
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const width = el.clientWidth || 600;
    const height = 40;
    el.width = width;
    el.height = height;
    const ctx = el.getContext("2d");
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    const n = props.spans.length;
    const rowHeight = Math.max(height / Math.max(n, 1), 0.5);
    props.spans.forEach((row, i) => {
      const x = ((row.span.start_ms - props.startMs) / props.rangeMs) * width;
      const w = Math.max((row.span.duration_ms / props.rangeMs) * width, 1);
      ctx.fillStyle = row.span.status === "error" ? "#dc2626" : resourceColor(row.span.resource);
      ctx.fillRect(x, (i / Math.max(n, 1)) * height, w, Math.max(rowHeight, 1));
    });
  }, [props.spans, props.startMs, props.rangeMs]);
  const fraction = (event: MouseEvent) => {
    const rect = (event.currentTarget as HTMLElement).getBoundingClientRect();
    return Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
  };
  const [from, to] = drag ? [Math.min(...drag), Math.max(...drag)] : props.view;
  return (
    <div
      class="twf-minimap"
      data-testid="waterfall-minimap"
      title="Drag to zoom, double-click to show the whole trace"
      onMouseDown={(e) => setDrag([fraction(e), fraction(e)])}
      onMouseMove={(e) => drag && setDrag([drag[0], fraction(e)])}
      onMouseUp={() => {
        if (drag) {
          const [a, b] = [Math.min(...drag), Math.max(...drag)];
          if (b - a > 0.005) props.onView([a, b]);
          setDrag(null);
        }
      }}
      onMouseLeave={() => setDrag(null)}
      onDblClick={() => props.onView([0, 1])}
    >
      <canvas ref={canvas} />
      <span class="twf-window" style={{ left: `${from * 100}%`, width: `${(to - from) * 100}%` }} />
    </div>
  );
}

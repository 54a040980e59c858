// The app as a graph: an arrow from each resource to what it references (solid) or waits for
// (dashed), and from a parent to its children (dotted). A layered layout: every resource sits one
// column right of the furthest thing it depends on, so dependencies read left to right.
import { resources } from "./resource-store";
import { stateLabel, toneOf, type Snapshot } from "./snapshots";

const NODE_W = 180;
const NODE_H = 46;
const COL_GAP = 90;
const ROW_GAP = 22;
const PAD = 16;

interface Edge {
  from: string; // the dependency (left)
  to: string; // the dependent (right)
  type: string;
}

export interface Layout {
  positions: Map<string, { x: number; y: number }>;
  edges: Edge[];
  width: number;
  height: number;
}

/** Columns by longest dependency path (cycles broken where they are met), rows in API order. */
export function layout(snapshots: Snapshot[]): Layout {
  const known = new Map(snapshots.map((s) => [s.name, s]));
  const edges: Edge[] = [];
  for (const s of snapshots) {
    for (const r of s.relationships) {
      if (!known.has(r.resource) || r.resource === s.name) continue;
      edges.push({ from: r.resource, to: s.name, type: r.type });
    }
  }
  const deps = new Map<string, string[]>();
  for (const e of edges) deps.set(e.to, [...(deps.get(e.to) ?? []), e.from]);
  const column = new Map<string, number>();
  const visiting = new Set<string>();
  const columnOf = (name: string): number => {
    const done = column.get(name);
    if (done !== undefined) return done;
    if (visiting.has(name)) return 0;
    visiting.add(name);
    let c = 0;
    for (const d of deps.get(name) ?? []) c = Math.max(c, columnOf(d) + 1);
    visiting.delete(name);
    column.set(name, c);
    return c;
  };
  const perColumn: string[][] = [];
  for (const s of snapshots) {
    const c = columnOf(s.name);
    (perColumn[c] ??= []).push(s.name);
  }
  const positions = new Map<string, { x: number; y: number }>();
  let rows = 0;
  perColumn.forEach((names, c) => {
    names.forEach((name, r) => positions.set(name, { x: PAD + c * (NODE_W + COL_GAP), y: PAD + r * (NODE_H + ROW_GAP) }));
    rows = Math.max(rows, names.length);
  });
  return {
    positions,
    edges,
    width: PAD * 2 + Math.max(1, perColumn.length) * (NODE_W + COL_GAP) - COL_GAP,
    height: PAD * 2 + Math.max(1, rows) * (NODE_H + ROW_GAP) - ROW_GAP,
  };
}

export function ResourceGraph({
  selected,
  onSelect,
  showHidden,
}: {
  selected: string | null;
  onSelect: (name: string) => void;
  showHidden: boolean;
}) {
  // The graph reads every resource: it re-renders on any change, which is fine for the few
  // dozen nodes an app has (the table is the view that must stay cheap per event).
  const snapshots = resources.order.value
    .map((n) => resources.get(n)!.value)
    .filter((s) => showHidden || !s.hidden);
  const { positions, edges, width, height } = layout(snapshots);
  return (
    <div class="graph-wrap" data-testid="resource-graph">
      <svg class="graph" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="resource graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
          </marker>
        </defs>
        {edges.map((e) => {
          const a = positions.get(e.from)!;
          const b = positions.get(e.to)!;
          // A reference and a wait between the same two resources: side by side, not on top.
          const pair = edges.filter((o) => o.from === e.from && o.to === e.to);
          const offset = (pair.indexOf(e) - (pair.length - 1) / 2) * 8;
          const x1 = a.x + NODE_W;
          const y1 = a.y + NODE_H / 2 + offset;
          const x2 = b.x;
          const y2 = b.y + NODE_H / 2 + offset;
          const bend = Math.max(30, (x2 - x1) / 2);
          return (
            <path
              key={`${e.from}>${e.to}>${e.type}`}
              class={`edge edge-${e.type.toLowerCase()}`}
              d={`M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`}
              marker-end="url(#arrow)"
            >
              <title>
                {e.to} {e.type === "Parent" ? "is a child of" : e.type === "WaitFor" ? "waits for" : "references"} {e.from}
              </title>
            </path>
          );
        })}
        {snapshots.map((s) => {
          const p = positions.get(s.name)!;
          return (
            <g
              key={s.name}
              class={`node tone-${toneOf(s.state)} ${s.name === selected ? "selected" : ""}`}
              transform={`translate(${p.x} ${p.y})`}
              data-testid={`graph-node-${s.name}`}
              data-state={s.state}
              onClick={() => onSelect(s.name)}
              role="button"
              tabIndex={0}
              onKeyDown={(event) => event.key === "Enter" && onSelect(s.name)}
            >
              <rect width={NODE_W} height={NODE_H} rx="8" />
              <circle cx="14" cy={NODE_H / 2} r="5" class="node-dot" />
              <text x="28" y="19" class="node-name">
                {s.name.length > 20 ? `${s.name.slice(0, 19)}…` : s.name}
              </text>
              <text x="28" y="35" class="node-state">
                {stateLabel(s.state)} · {s.resource_type}
              </text>
            </g>
          );
        })}
      </svg>
      <p class="legend muted small">
        <span class="legend-item">
          <svg width="28" height="8"><line x1="0" y1="4" x2="28" y2="4" class="edge edge-reference" /></svg> references
        </span>
        <span class="legend-item">
          <svg width="28" height="8"><line x1="0" y1="4" x2="28" y2="4" class="edge edge-waitfor" /></svg> waits for
        </span>
        <span class="legend-item">
          <svg width="28" height="8"><line x1="0" y1="4" x2="28" y2="4" class="edge edge-parent" /></svg> parent of
        </span>
      </p>
    </div>
  );
}

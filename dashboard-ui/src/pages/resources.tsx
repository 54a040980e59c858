// Resources: every resource live (one SSE stream), children under their parents, the commands a
// state allows, a details panel and a graph of references and waits.
//
// Each row reads only its own resource's signal, so an event re-renders one row; the list of rows
// (the tree) is recomputed only when a resource appears, its parent changes, or the user folds a
// branch or filters.
import { computed, signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { href } from "../router";
import { resources } from "../components/resource-store";
import { CommandButtons, CommandLayer } from "../components/commands";
import { ResourceDetails } from "../components/resource-details";
import { ResourceGraph } from "../components/resource-graph";
import { StateBadge, HealthBadge } from "../components/badges";
import { parentOf, timeOf, type Snapshot } from "../components/snapshots";

interface TreeRow {
  name: string;
  depth: number;
  children: number;
}

const collapsed = signal<ReadonlySet<string>>(new Set());
const showHidden = signal(false);
const filter = signal("");
const view = signal<"table" | "graph">("table");
const selected = signal<string | null>(null);

/** The rows in display order: parents first, each followed by its (unfolded) children. */
const tree = computed<TreeRow[]>(() => {
  const names = resources.order.value;
  const folded = collapsed.value;
  const hidden = showHidden.value;
  const text = filter.value.trim().toLowerCase();
  const snapshots = new Map<string, Snapshot>();
  for (const name of names) {
    const row = resources.get(name);
    // peek: the tree depends on parents, and `order` bumps when one changes.
    if (row) snapshots.set(name, row.peek());
  }
  const visible = (s: Snapshot) => hidden || !s.hidden;
  if (text) {
    return names
      .filter((n) => visible(snapshots.get(n)!) && matches(snapshots.get(n)!, text))
      .map((name) => ({ name, depth: 0, children: 0 }));
  }
  const kids = new Map<string | null, string[]>();
  for (const name of names) {
    const s = snapshots.get(name)!;
    if (!visible(s)) continue;
    let parent = parentOf(s);
    if (parent !== null && (!snapshots.has(parent) || !visible(snapshots.get(parent)!))) parent = null;
    const list = kids.get(parent) ?? [];
    list.push(name);
    kids.set(parent, list);
  }
  const rows: TreeRow[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number) => {
    for (const name of kids.get(parent) ?? []) {
      if (seen.has(name)) continue; // a parent cycle must not loop
      seen.add(name);
      const children = kids.get(name)?.length ?? 0;
      rows.push({ name, depth, children });
      if (!folded.has(name)) walk(name, depth + 1);
    }
  };
  walk(null, 0);
  return rows;
});

function matches(snapshot: Snapshot, text: string): boolean {
  return (
    snapshot.name.toLowerCase().includes(text) ||
    snapshot.resource_type.toLowerCase().includes(text) ||
    snapshot.state.toLowerCase().includes(text)
  );
}

function toggle(name: string): void {
  const next = new Set(collapsed.value);
  if (next.has(name)) next.delete(name);
  else next.add(name);
  collapsed.value = next;
}

export function select(name: string | null): void {
  selected.value = name;
  // The address follows the selection (a reload or a shared link opens the same panel) without
  // a hashchange, which would re-render the whole page.
  history.replaceState(null, "", href("resources", name ? { resource: name } : {}));
}

export function ResourcesPage({ params }: { params: URLSearchParams }) {
  useEffect(() => resources.use(), []);
  useEffect(() => {
    const wanted = params.get("resource");
    if (wanted) selected.value = wanted;
  }, [params.get("resource")]);
  const status = resources.status.value;
  const count = resources.order.value.length;
  const chosen = selected.value;
  return (
    <div class="page resources-page">
      <header class="page-header">
        <h1>Resources</h1>
        <StreamState status={status} />
        <div class="toolbar">
          <div class="segmented" role="tablist" aria-label="view">
            <button
              type="button"
              role="tab"
              aria-selected={view.value === "table"}
              class={view.value === "table" ? "on" : ""}
              onClick={() => (view.value = "table")}
            >
              Table
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={view.value === "graph"}
              class={view.value === "graph" ? "on" : ""}
              data-testid="resources-graph-tab"
              onClick={() => (view.value = "graph")}
            >
              Graph
            </button>
          </div>
          <input
            type="search"
            class="input"
            placeholder="Filter by name, type, state"
            aria-label="filter resources"
            value={filter.value}
            onInput={(event) => (filter.value = (event.target as HTMLInputElement).value)}
          />
          <label class="check">
            <input
              type="checkbox"
              checked={showHidden.value}
              onChange={(event) => (showHidden.value = (event.target as HTMLInputElement).checked)}
            />
            Show hidden
          </label>
        </div>
      </header>
      <div class={`resources-body ${chosen ? "with-details" : ""}`}>
        <section class="resources-main">
          {count === 0 && resources.synced.value && <p class="empty">This app has no resources.</p>}
          {count === 0 && !resources.synced.value && <p class="empty">Loading resources…</p>}
          {count > 0 && view.value === "table" && <ResourceTable selected={chosen} />}
          {count > 0 && view.value === "graph" && <ResourceGraph selected={chosen} onSelect={select} showHidden={showHidden.value} />}
        </section>
        {chosen && <ResourceDetails name={chosen} onClose={() => select(null)} onSelect={select} />}
      </div>
      <CommandLayer />
    </div>
  );
}

function StreamState({ status }: { status: string }) {
  const label =
    status === "live" ? "Live" : status === "closed" ? "App host stopped" : status === "reconnecting" ? "Reconnecting…" : "Connecting…";
  return (
    <span class={`stream-state ${status}`} data-testid="stream-state" title="the resource stream">
      <span class="dot" aria-hidden="true" />
      {label}
    </span>
  );
}

function ResourceTable({ selected: chosen }: { selected: string | null }) {
  const rows = tree.value;
  return (
    <table class="table resources-table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>State</th>
          <th>Health</th>
          <th class="num">Replicas</th>
          <th>URLs</th>
          <th class="num">Restarts</th>
          <th>Started</th>
          <th class="actions-col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <ResourceRow key={row.name} row={row} isSelected={row.name === chosen} isCollapsed={collapsed.value.has(row.name)} />
        ))}
      </tbody>
    </table>
  );
}

function ResourceRow({ row, isSelected, isCollapsed }: { row: TreeRow; isSelected: boolean; isCollapsed: boolean }) {
  const snap = resources.get(row.name)!.value;
  const running = snap.replicas.filter((r) => r.state === "Running").length;
  return (
    <tr
      data-testid={`resource-row-${snap.name}`}
      data-state={snap.state}
      class={`${isSelected ? "selected" : ""} ${snap.hidden ? "hidden-resource" : ""}`}
      onClick={() => select(snap.name)}
    >
      <td class="name-cell">
        <span class="indent" style={{ width: `${row.depth * 18}px` }} />
        {row.children > 0 ? (
          <button
            type="button"
            class="fold"
            aria-expanded={!isCollapsed}
            aria-label={`${isCollapsed ? "expand" : "collapse"} ${snap.name}`}
            onClick={(event) => {
              event.stopPropagation();
              toggle(snap.name);
            }}
          >
            {isCollapsed ? "▸" : "▾"}
          </button>
        ) : (
          <span class="fold-spacer" />
        )}
        <span class="resource-name">{snap.name}</span>
        {isCollapsed && row.children > 0 && <span class="muted small"> +{row.children}</span>}
      </td>
      <td class="muted">{snap.resource_type}</td>
      <td>
        <StateBadge state={snap.state} message={snap.state_message} exitCode={snap.exit_code} />
      </td>
      <td>
        <HealthBadge status={snap.health_status} />
      </td>
      <td class="num">{snap.replicas.length ? `${running}/${snap.replicas.length}` : "—"}</td>
      <td class="urls">
        {snap.urls.length === 0 && <span class="muted">—</span>}
        {snap.urls.map((u) => (
          <a href={u.url} target="_blank" rel="noopener noreferrer" title={u.endpoint} onClick={(e) => e.stopPropagation()}>
            {u.url.replace(/^https?:\/\//, "")}
          </a>
        ))}
      </td>
      <td class="num">{snap.restart_count || <span class="muted">0</span>}</td>
      <td class="muted small">{snap.started_at ? timeOf(snap.started_at) : "—"}</td>
      <td class="actions" onClick={(event) => event.stopPropagation()}>
        <CommandButtons snapshot={snap} />
        <a class="btn ghost small" href={href("console", { resource: snap.name })} title="console logs">
          Logs
        </a>
      </td>
    </tr>
  );
}

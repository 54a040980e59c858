// Console logs: one resource (one replica or all) or every resource, followed live.
//
// Built for chatty resources (Aspire's dashboard stalls on them, microsoft/aspire #2507, #6849):
// lines arrive in network chunks and are appended once per animation frame; only the rows on
// screen exist in the DOM (fixed row height, so the visible range is arithmetic); the page keeps
// the newest MAX_LINES lines and says how many older ones it dropped. Scrolling up stops
// following and counts new lines; while paused, dropped lines do not move what the user reads.
import { signal, useComputed, useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { streamNdjson } from "../api";
import { navigate } from "../router";
import { resources } from "../components/resource-store";
import { LineBuffer, type ConsoleLine, type LogLineJson } from "../components/line-buffer";
import type { Segment } from "../components/ansi";

/** Lines the page holds; older ones are dropped (and counted). */
export const MAX_LINES = 100_000;
const ROW_H = 18;
const OVERSCAN = 15;

/** Whether timestamps are shown: kept across resource changes. */
const showTimes = signal(false);

class ConsoleFeed {
  readonly buffer = new LineBuffer(MAX_LINES);
  /** Bumps once per frame that changed the buffer: the view re-renders on it. */
  readonly version = signal(0);
  readonly following = signal(true);
  readonly newLines = signal(0);
  readonly ended = signal<string | null>(null);
  readonly query = signal("");
  readonly matches = signal<number[]>([]);
  readonly current = signal(-1);
  /** Rows the view must shift up by after a drop while paused (consumed by the view). */
  shift = 0;
  private pending: LogLineJson[] = [];
  private frame = 0;
  private stop: (() => void) | null = null;

  start(resource: string | null, replica: string | null): void {
    const path = resource ? `/v1/resources/${encodeURIComponent(resource)}/logs` : "/v1/logs";
    this.stop = streamNdjson<LogLineJson>(
      path,
      { follow: 1, tail: MAX_LINES, replica },
      (items) => this.receive(items),
      (error) => {
        this.flush();
        this.ended.value = error ?? "the log stream ended (the app host stopped?)";
      },
    );
  }

  close(): void {
    this.stop?.();
    cancelAnimationFrame(this.frame);
  }

  private receive(items: LogLineJson[]): void {
    for (const item of items) this.pending.push(item);
    // A hidden tab gets no frames: keep the waiting lines bounded too.
    if (this.pending.length > MAX_LINES) {
      const over = this.pending.length - MAX_LINES;
      this.pending.splice(0, over);
      this.buffer.dropped += over;
    }
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  /** Append everything that arrived since the last frame: one buffer update, one render. */
  flush(): void {
    this.frame = 0;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const fromIndex = this.buffer.length;
    const dropped = this.buffer.append(batch);
    if (!this.following.peek()) {
      this.newLines.value += batch.length;
      this.shift += dropped;
    }
    const needle = this.query.peek().toLowerCase();
    if (needle || dropped) {
      const first = this.buffer.firstSeq;
      let kept = this.matches.peek();
      if (dropped) {
        const before = kept.length;
        kept = kept.filter((seq) => seq >= first);
        const lost = before - kept.length;
        if (lost) this.current.value = Math.max(-1, this.current.peek() - lost);
      }
      const added = needle ? this.buffer.search(needle, Math.max(0, fromIndex - dropped)) : [];
      if (added.length || kept !== this.matches.peek()) this.matches.value = added.length ? kept.concat(added) : kept;
    }
    this.version.value++;
  }

  setQuery(text: string): void {
    this.query.value = text;
    const found = this.buffer.search(text.toLowerCase());
    this.matches.value = found;
    this.current.value = found.length ? found.length - 1 : -1;
    // Show the match: following would pull the view straight back to the bottom.
    if (found.length) this.following.value = false;
  }

  clear(): void {
    this.buffer.clear();
    this.matches.value = [];
    this.current.value = -1;
    this.newLines.value = 0;
    this.version.value++;
  }
}

export function ConsolePage({ params }: { params: URLSearchParams }) {
  const resource = params.get("resource") || null;
  const replica = params.get("replica") || null;
  useEffect(() => resources.use(), []);
  const feedSignal = useSignal<ConsoleFeed | null>(null);
  useEffect(() => {
    const next = new ConsoleFeed();
    next.start(resource, replica);
    feedSignal.value = next;
    return () => next.close();
  }, [resource, replica]);
  const current = feedSignal.value;
  // Say which replica printed a line whenever more than one could have.
  const replicaCount = resource ? (resources.get(resource)?.value.replicas.length ?? 0) : 0;
  const prefixed = !resource || (!replica && replicaCount > 1);
  return (
    <div class="page console-page">
      <header class="page-header">
        <h1>Console logs</h1>
        <SourcePicker resource={resource} replica={replica} />
        {current && <SearchBox feed={current} />}
        <div class="toolbar">
          <label class="check">
            <input
              type="checkbox"
              checked={showTimes.value}
              onChange={(event) => (showTimes.value = (event.target as HTMLInputElement).checked)}
            />
            Timestamps
          </label>
          {current && (
            <button type="button" class="btn small" onClick={() => current.clear()} title="clear what this page shows">
              Clear
            </button>
          )}
        </div>
      </header>
      {current && <ConsoleView key={`${resource}/${replica}`} feed={current} prefixed={prefixed} />}
    </div>
  );
}

function SourcePicker({ resource, replica }: { resource: string | null; replica: string | null }) {
  const names = resources.order.value.filter((n) => !resources.get(n)?.peek().hidden || n === resource);
  const snap = resource ? resources.get(resource)?.value : undefined;
  const replicas = snap?.replicas ?? [];
  const go = (r: string | null, rep: string | null) => {
    const next: Record<string, string> = {};
    if (r) next.resource = r;
    if (r && rep) next.replica = rep;
    navigate("console", next);
  };
  return (
    <div class="source-picker">
      <select
        class="input"
        aria-label="resource"
        data-testid="console-resource"
        value={resource ?? ""}
        onChange={(event) => go((event.target as HTMLSelectElement).value || null, null)}
      >
        <option value="">All resources</option>
        {names.map((n) => (
          <option value={n}>{n}</option>
        ))}
        {resource && !names.includes(resource) && <option value={resource}>{resource}</option>}
      </select>
      {resource && replicas.length > 1 && (
        <select
          class="input"
          aria-label="replica"
          data-testid="console-replica"
          value={replica ?? ""}
          onChange={(event) => go(resource, (event.target as HTMLSelectElement).value || null)}
        >
          <option value="">All replicas</option>
          {replicas.map((r) => (
            <option value={r.name}>{r.name}</option>
          ))}
          {replica && !replicas.some((r) => r.name === replica) && <option value={replica}>{replica}</option>}
        </select>
      )}
    </div>
  );
}

function SearchBox({ feed }: { feed: ConsoleFeed }) {
  const timer = useRef(0);
  const count = feed.matches.value.length;
  const at = feed.current.value;
  const step = (delta: number) => {
    if (!count) return;
    feed.current.value = (at + delta + count) % count;
    feed.following.value = false;
  };
  return (
    <div class="search" role="search">
      <input
        type="search"
        class="input"
        placeholder="Search the lines on this page"
        aria-label="search console"
        data-testid="console-search"
        onInput={(event) => {
          const text = (event.target as HTMLInputElement).value;
          clearTimeout(timer.current);
          timer.current = window.setTimeout(() => feed.setQuery(text), 120);
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter") {
            clearTimeout(timer.current);
            const text = (event.target as HTMLInputElement).value;
            if (text !== feed.query.peek()) feed.setQuery(text);
            else step(event.shiftKey ? -1 : 1);
          }
        }}
      />
      <span class="muted small search-count" data-testid="console-search-count">
        {feed.query.value ? (count ? `${at + 1} of ${count}` : "no matches") : ""}
      </span>
      <button type="button" class="btn small icon" aria-label="previous match" disabled={!count} onClick={() => step(-1)}>
        ↑
      </button>
      <button type="button" class="btn small icon" aria-label="next match" disabled={!count} onClick={() => step(1)}>
        ↓
      </button>
    </div>
  );
}

function ConsoleView({ feed, prefixed }: { feed: ConsoleFeed; prefixed: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const scrollTop = useSignal(0);
  const height = useSignal(600);
  const version = feed.version.value; // re-render once per flushed frame
  const following = feed.following.value;
  const buffer = feed.buffer;
  const total = buffer.length;
  const matchSeq = useComputed(() => {
    const list = feed.matches.value;
    const i = feed.current.value;
    return i >= 0 && i < list.length ? list[i] : -1;
  }).value;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (feed.shift) {
      // Older lines left while the user reads: keep the same lines under their eyes.
      el.scrollTop = Math.max(0, el.scrollTop - feed.shift * ROW_H);
      feed.shift = 0;
    }
    if (following) el.scrollTop = el.scrollHeight;
    scrollTop.value = el.scrollTop;
  }, [version, following]);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el || matchSeq < 0) return;
    const index = buffer.indexOf(matchSeq);
    if (index < 0) return;
    const top = index * ROW_H;
    if (top < el.scrollTop || top > el.scrollTop + el.clientHeight - ROW_H) {
      el.scrollTop = Math.max(0, top - el.clientHeight / 2);
    }
  }, [matchSeq]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => (height.value = el.clientHeight));
    observer.observe(el);
    height.value = el.clientHeight;
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    const el = box.current!;
    scrollTop.value = el.scrollTop;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_H;
    if (atBottom && !feed.following.peek()) {
      feed.following.value = true;
      feed.newLines.value = 0;
    } else if (!atBottom && feed.following.peek()) {
      feed.following.value = false;
    }
  };

  const resume = () => {
    feed.newLines.value = 0;
    feed.following.value = true;
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  const first = Math.max(0, Math.floor(scrollTop.value / ROW_H) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop.value + height.value) / ROW_H) + OVERSCAN);
  const rows: ConsoleLine[] = [];
  for (let i = first; i < last; i++) rows.push(buffer.at(i));
  const needle = feed.query.value.toLowerCase();
  const times = showTimes.value;
  const waiting = feed.newLines.value;

  return (
    <div class="console-wrap">
      <div class="console-status muted small">
        <span data-testid="console-count">{total.toLocaleString()} lines</span>
        {buffer.dropped > 0 && (
          <span class="dropped" data-testid="console-dropped">
            {" "}
            · {buffer.dropped.toLocaleString()} older lines dropped (this page keeps the newest {MAX_LINES.toLocaleString()})
          </span>
        )}
        <span class={`follow-state ${following ? "on" : ""}`}>{following ? "Following" : "Paused"}</span>
      </div>
      <div class="console" ref={box} onScroll={onScroll} data-testid="console-lines" data-following={String(following)} tabIndex={0}>
        <div class="console-space" style={{ height: `${total * ROW_H}px`, paddingTop: `${first * ROW_H}px` }}>
          {rows.map((line) => (
            <Row key={line.seq} line={line} buffer={buffer} prefixed={prefixed} times={times} needle={needle} current={line.seq === matchSeq} />
          ))}
        </div>
        {total === 0 && <div class="console-empty muted">{feed.ended.value ? "" : "Waiting for output…"}</div>}
      </div>
      {feed.ended.value && (
        <div class="console-ended" role="status">
          {feed.ended.value}
        </div>
      )}
      {!following && (
        <button type="button" class="new-lines" data-testid="console-new-lines" onClick={resume}>
          {waiting > 0 ? `${waiting.toLocaleString()} new line${waiting === 1 ? "" : "s"}` : "Back to the bottom"} ↓
        </button>
      )}
    </div>
  );
}

function Row({
  line,
  buffer,
  prefixed,
  times,
  needle,
  current,
}: {
  line: ConsoleLine;
  buffer: LineBuffer;
  prefixed: boolean;
  times: boolean;
  needle: string;
  current: boolean;
}) {
  const hit = needle !== "" && line.plain.toLowerCase().includes(needle);
  return (
    <div class={`line ${line.stream} ${hit ? "match" : ""} ${current ? "current" : ""}`}>
      {times && <span class="ts">{line.timestamp.slice(11, 23)} </span>}
      {prefixed && <span class="src">{line.replica} </span>}
      {buffer.segmentsOf(line).map((segment) => (
        <Piece segment={segment} needle={hit ? needle : ""} />
      ))}
    </div>
  );
}

function Piece({ segment, needle }: { segment: Segment; needle: string }) {
  const style = segment.color || segment.background ? { color: segment.color, background: segment.background } : undefined;
  if (!needle) {
    return segment.cls || style ? (
      <span class={segment.cls} style={style}>
        {segment.text}
      </span>
    ) : (
      <>{segment.text}</>
    );
  }
  const parts: preact.ComponentChildren[] = [];
  const lower = segment.text.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
    if (i > at) parts.push(segment.text.slice(at, i));
    parts.push(<mark>{segment.text.slice(i, i + needle.length)}</mark>);
    at = i + needle.length;
  }
  if (at < segment.text.length) parts.push(segment.text.slice(at));
  return (
    <span class={segment.cls} style={style}>
      {parts}
    </span>
  );
}

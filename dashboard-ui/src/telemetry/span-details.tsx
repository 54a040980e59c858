// What a person wants to know about one span: where it ran, how long, its status, attributes,
// events (with their offset into the span) and links to other traces.
import { href } from "../router";
import { resourceColor } from "./colors";
import { AttributeTable } from "./filters";
import { formatDateTime, formatDuration, shortId } from "./format";
import type { Span } from "./types";

export function SpanDetails({ span, traceStartMs, onClose }: { span: Span; traceStartMs: number; onClose: () => void }) {
  return (
    <aside class="tspan-details" data-testid="span-details" data-span-id={span.span_id}>
      <header>
        <h2>
          <span class="tdot" style={{ background: resourceColor(span.resource) }} />
          {span.name}
        </h2>
        <button class="tclose" aria-label="close" onClick={onClose}>
          ×
        </button>
      </header>
      <dl class="tmeta">
        <dt>Resource</dt>
        <dd>
          {span.resource}
          {span.replica ? ` (${span.replica})` : ""}
        </dd>
        <dt>Status</dt>
        <dd class={span.status === "error" ? "terror-text" : ""} data-testid="span-status">
          {span.status}
          {span.status_message ? `: ${span.status_message}` : ""}
        </dd>
        <dt>Kind</dt>
        <dd>{span.kind}</dd>
        <dt>Start</dt>
        <dd>
          {formatDateTime(span.start_ms)} (+{formatDuration(span.start_ms - traceStartMs)})
        </dd>
        <dt>Duration</dt>
        <dd>{formatDuration(span.duration_ms)}</dd>
        <dt>Scope</dt>
        <dd>{span.scope || "–"}</dd>
        <dt>Span id</dt>
        <dd>{span.span_id}</dd>
        <dt>Parent</dt>
        <dd>{span.parent_span_id || "(root)"}</dd>
      </dl>
      <h3>Attributes</h3>
      <AttributeTable attributes={span.attributes} testId="span-attributes" />
      <h3>Events ({span.events.length})</h3>
      {span.events.length === 0 ? (
        <p class="tmuted">No events</p>
      ) : (
        <ul class="tevents" data-testid="span-events">
          {span.events.map((event) => (
            <li>
              <strong>{event.name}</strong> <span class="tmuted">+{formatDuration(event.time_ms - span.start_ms)}</span>
              {Object.keys(event.attributes ?? {}).length > 0 && <AttributeTable attributes={event.attributes} />}
            </li>
          ))}
        </ul>
      )}
      <h3>Links ({span.links.length})</h3>
      {span.links.length === 0 ? (
        <p class="tmuted">No links</p>
      ) : (
        <ul class="tevents">
          {span.links.map((link) => (
            <li>
              <a href={href("traces", { trace: link.trace_id })}>
                trace {shortId(link.trace_id)} / span {shortId(link.span_id)}
              </a>
              {Object.keys(link.attributes ?? {}).length > 0 && <AttributeTable attributes={link.attributes} />}
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href={href("structured", { trace_id: span.trace_id })}>Logs of this trace</a>
      </p>
    </aside>
  );
}

// One resource in full: state, replicas, URLs, health reports, environment (secrets arrive
// masked from the app host and are shown as they came), relationships and properties.
import { resources } from "./resource-store";
import { HealthBadge, StateBadge } from "./badges";
import { CommandButtons } from "./commands";
import { timeOf } from "./snapshots";
import { href } from "../router";

export function ResourceDetails({
  name,
  onClose,
  onSelect,
}: {
  name: string;
  onClose: () => void;
  onSelect: (name: string) => void;
}) {
  const row = resources.get(name);
  if (!row) {
    return (
      <aside class="details" data-testid="resource-details">
        <header class="details-header">
          <h2>{name}</h2>
          <button type="button" class="btn ghost small" aria-label="close details" onClick={onClose}>
            ✕
          </button>
        </header>
        <p class="empty">{resources.synced.value ? `No resource named '${name}'.` : "Loading…"}</p>
      </aside>
    );
  }
  const s = row.value;
  const props = Object.entries(s.properties ?? {});
  return (
    <aside class="details" data-testid="resource-details" aria-label={`details of ${s.name}`}>
      <header class="details-header">
        <div>
          <h2>{s.name}</h2>
          <span class="muted">{s.resource_type}</span>
        </div>
        <button type="button" class="btn ghost small" aria-label="close details" onClick={onClose}>
          ✕
        </button>
      </header>
      <div class="details-actions">
        <CommandButtons snapshot={s} hooks={false} />
        <a class="btn small" href={href("console", { resource: s.name })}>
          Console logs
        </a>
        <a class="btn small" href={href("structured", { resource: s.name })}>
          Structured logs
        </a>
        <a class="btn small" href={href("traces", { resource: s.name })}>
          Traces
        </a>
      </div>
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <StateBadge state={s.state} message={s.state_message} exitCode={s.exit_code} />
          {s.state_message && <div class="muted small">{s.state_message}</div>}
        </dd>
        <dt>Health</dt>
        <dd>
          <HealthBadge status={s.health_status} />
        </dd>
        {s.exit_code !== null && (
          <>
            <dt>Exit code</dt>
            <dd>{s.exit_code}</dd>
          </>
        )}
        <dt>Started</dt>
        <dd>{s.started_at ? `${timeOf(s.started_at)}` : "—"}</dd>
        {s.stopped_at && (
          <>
            <dt>Stopped</dt>
            <dd>{timeOf(s.stopped_at)}</dd>
          </>
        )}
        <dt>Restarts</dt>
        <dd>{s.restart_count}</dd>
      </dl>

      {s.urls.length > 0 && (
        <Section title="URLs">
          <table class="table compact">
            <tbody>
              {s.urls.map((u) => (
                <tr key={u.endpoint + u.url}>
                  <td class="muted">{u.endpoint}</td>
                  <td>
                    <a href={u.url} target="_blank" rel="noopener noreferrer">
                      {u.url}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}

      {s.replicas.length > 0 && (
        <Section title={`Replicas (${s.replicas.length})`}>
          <table class="table compact">
            <thead>
              <tr>
                <th>Name</th>
                <th>State</th>
                <th class="num">PID</th>
                <th>Started</th>
              </tr>
            </thead>
            <tbody>
              {s.replicas.map((r) => (
                <tr key={r.name}>
                  <td>
                    <a href={href("console", { resource: s.name, replica: r.name })}>{r.name}</a>
                  </td>
                  <td>
                    <StateBadge state={r.state} message={r.message} exitCode={r.exit_code} />
                  </td>
                  <td class="num">{r.pid ?? (r.container_id ? r.container_id.slice(0, 12) : "—")}</td>
                  <td class="muted small">{r.started_at ? timeOf(r.started_at) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}

      {s.health_reports.length > 0 && (
        <Section title="Health checks">
          <table class="table compact">
            <tbody>
              {s.health_reports.map((h) => (
                <tr key={h.name}>
                  <td>{h.name}</td>
                  <td>
                    <HealthBadge status={h.status} />
                  </td>
                  <td class="small">
                    {h.description}
                    {h.last_error && <div class="error-text">{h.last_error}</div>}
                    {h.checked_at && <div class="muted">checked {timeOf(h.checked_at)}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}

      {s.env.length > 0 && (
        <Section title={`Environment (${s.env.length})`}>
          <table class="table compact env">
            <tbody>
              {s.env.map((e) => (
                <tr key={e.name}>
                  <td class="mono">{e.name}</td>
                  <td class={`mono value ${e.is_secret ? "secret" : ""}`}>
                    {e.value}
                    {e.is_secret && <span class="tag">secret</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}

      {s.relationships.length > 0 && (
        <Section title="Relationships">
          <table class="table compact">
            <tbody>
              {s.relationships.map((r) => (
                <tr key={r.type + r.resource}>
                  <td class="muted">{r.type}</td>
                  <td>
                    <button type="button" class="link" onClick={() => onSelect(r.resource)}>
                      {r.resource}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}

      {props.length > 0 && (
        <Section title="Properties">
          <table class="table compact">
            <tbody>
              {props.map(([key, value]) => (
                <tr key={key}>
                  <td class="muted">{key}</td>
                  <td class="mono value">{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
    </aside>
  );
}

function Section({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <section class="details-section">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

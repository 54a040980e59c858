// A state or a health status as a coloured badge: the colours of the CLI's STATE_STYLES.
import { stateLabel, toneOf } from "./snapshots";

export function StateBadge({ state, message, exitCode }: { state: string; message?: string | null; exitCode?: number | null }) {
  const exit = exitCode !== null && exitCode !== undefined && (state === "Exited" || state === "Finished" || state === "FailedToStart");
  const title = [message, exit ? `exit code ${exitCode}` : null].filter(Boolean).join(" — ");
  return (
    <span class={`badge tone-${toneOf(state)}`} title={title || undefined} data-testid="state">
      <span class="dot" aria-hidden="true" />
      {stateLabel(state)}
      {exit && <span class="badge-extra">({exitCode})</span>}
    </span>
  );
}

export function HealthBadge({ status }: { status: string | null }) {
  if (!status) return <span class="muted">—</span>;
  return (
    <span class={`health tone-${toneOf(status)}`}>
      {status === "Healthy" ? "✓ " : "✕ "}
      {status}
    </span>
  );
}

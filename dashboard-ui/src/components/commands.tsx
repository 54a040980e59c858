// Running a resource's command from the page: ask first (the command's own confirmation message,
// or "Restart api?"), run it through the control API, then say what happened. One dialog and one
// result at a time, shared by the table, the details panel and the graph.
import { signal } from "@preact/signals";
import { ApiError, postJson } from "../api";
import { resources } from "./resource-store";
import type { Command, CommandAnswer, Snapshot } from "./snapshots";

interface Pending {
  resource: string;
  command: Command;
}

interface Outcome {
  resource: string;
  command: string;
  success: boolean;
  message: string;
}

const confirming = signal<Pending | null>(null);
const running = signal<Pending | null>(null);
const outcome = signal<Outcome | null>(null);

/** Ask to run `command` on `resource` (the dialog runs it once confirmed). */
export function requestCommand(resource: string, command: Command): void {
  confirming.value = { resource, command };
}

/** True while `command` of `resource` runs (its button shows that it is busy). */
export function isRunning(resource: string, command: string): boolean {
  const now = running.value;
  return now !== null && now.resource === resource && now.command.name === command;
}

async function run(pending: Pending): Promise<void> {
  const { resource, command } = pending;
  running.value = pending;
  outcome.value = null;
  try {
    const answer = await postJson<CommandAnswer>(
      `/v1/resources/${encodeURIComponent(resource)}/commands/${encodeURIComponent(command.name)}`,
    );
    resources.apply(answer.snapshot);
    outcome.value = {
      resource,
      command: command.display_name,
      success: answer.success,
      message: answer.message || (answer.success ? "done" : "failed"),
    };
  } catch (error) {
    outcome.value = {
      resource,
      command: command.display_name,
      success: false,
      message: error instanceof ApiError || error instanceof Error ? error.message : String(error),
    };
  } finally {
    running.value = null;
  }
}

function question(pending: Pending): string {
  return pending.command.confirmation_message || `${pending.command.display_name} '${pending.resource}'?`;
}

/** The confirmation dialog and the result banner; mounted once by the Resources page. */
export function CommandLayer() {
  const pending = confirming.value;
  const busy = running.value;
  const done = outcome.value;
  const confirm = () => {
    if (!pending) return;
    confirming.value = null;
    void run(pending);
  };
  return (
    <>
      {pending && (
        <div class="modal-backdrop" onClick={() => (confirming.value = null)}>
          <div
            class="modal"
            role="dialog"
            aria-modal="true"
            aria-labelledby="confirm-title"
            onClick={(event) => event.stopPropagation()}
            onKeyDown={(event) => event.key === "Escape" && (confirming.value = null)}
          >
            <h2 id="confirm-title">{pending.command.display_name}</h2>
            <p>{question(pending)}</p>
            {pending.command.description && <p class="muted">{pending.command.description}</p>}
            <div class="modal-actions">
              <button type="button" class="btn" onClick={() => (confirming.value = null)}>
                Cancel
              </button>
              <button type="button" class="btn primary" data-testid="confirm-ok" onClick={confirm} autoFocus>
                {pending.command.display_name}
              </button>
            </div>
          </div>
        </div>
      )}
      {busy && (
        <div class="toast busy" role="status" data-testid="command-running">
          <span class="spinner" aria-hidden="true" />
          {busy.command.display_name} '{busy.resource}'…
        </div>
      )}
      {done && !busy && (
        <div
          class={`toast ${done.success ? "ok" : "failed"}`}
          role="status"
          data-testid="command-result"
          data-success={String(done.success)}
        >
          <strong>
            {done.command} '{done.resource}': {done.success ? "succeeded" : "failed"}
          </strong>
          <span class="toast-message">{done.message}</span>
          <button type="button" class="btn ghost small" aria-label="dismiss" onClick={() => (outcome.value = null)}>
            ✕
          </button>
        </div>
      )}
    </>
  );
}

// The commands a resource's state allows, as buttons (hidden ones left out, disabled ones greyed).
const ICONS: Record<string, string> = { start: "▶", stop: "■", restart: "↻" };

/** `hooks`: carry the `resource-command-*` test ids (the table does; the details panel does not,
 * so that each id names one button). */
export function CommandButtons({ snapshot, hooks = true }: { snapshot: Snapshot; hooks?: boolean }) {
  return (
    <>
      {snapshot.commands
        .filter((c) => c.state !== "hidden")
        .map((command) => {
          const busy = isRunning(snapshot.name, command.name);
          const builtIn = command.name in ICONS;
          return (
            <button
              type="button"
              class={`btn small ${builtIn ? "icon" : ""} ${busy ? "busy" : ""}`}
              data-testid={hooks ? `resource-command-${snapshot.name}-${command.name}` : undefined}
              disabled={command.state !== "enabled" || busy}
              title={command.description || command.display_name}
              aria-label={`${command.display_name} ${snapshot.name}`}
              onClick={() => requestCommand(snapshot.name, command)}
            >
              {builtIn ? ICONS[command.name] : command.display_name}
            </button>
          );
        })}
    </>
  );
}

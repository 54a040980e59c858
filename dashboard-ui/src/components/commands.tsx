// Running a resource's command from the page: ask first (the command's own confirmation message,
// or "Restart api?", with a field for each argument it declares), run it through the control API,
// then say what happened. One dialog and one result at a time, shared by the table, the details
// panel and the graph.
import { signal } from "@preact/signals";
import { ApiError, postJson } from "../api";
import { argumentsOf, CommandDialog, type DialogState } from "./command-dialog";
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

/** How long a dialog with arguments waits for the answer before it closes and the running
 * banner takes over: the app host refuses bad arguments at once (that answer lands in the
 * dialog), while a command that runs for minutes must not hold the page behind a modal. */
const HANDOFF_MS = 1500;

const dialog = signal<DialogState | null>(null);
const running = signal<Pending | null>(null);
const outcome = signal<Outcome | null>(null);
let openings = 0;

/** Ask to run `command` on `resource` (the dialog runs it once confirmed). */
export function requestCommand(resource: string, command: Command): void {
  dialog.value = { id: ++openings, resource, command, error: null, busy: false };
}

/** True while `command` of `resource` runs (its button shows that it is busy). */
export function isRunning(resource: string, command: string): boolean {
  const now = running.value;
  return now !== null && now.resource === resource && now.command.name === command;
}

function showing(id: number): boolean {
  return dialog.value?.id === id;
}

async function run(state: DialogState, values: Record<string, string>): Promise<void> {
  const { resource, command } = state;
  const declared = argumentsOf(command).length > 0;
  running.value = { resource, command };
  outcome.value = null;
  // A command without arguments has nothing to correct: its dialog closes at once.
  dialog.value = declared ? { ...state, error: null, busy: true } : null;
  const handoff = setTimeout(() => showing(state.id) && (dialog.value = null), HANDOFF_MS);
  try {
    const answer = await postJson<CommandAnswer>(
      `/v1/resources/${encodeURIComponent(resource)}/commands/${encodeURIComponent(command.name)}`,
      declared ? { arguments: values } : undefined,
    );
    resources.apply(answer.snapshot);
    if (showing(state.id)) dialog.value = null;
    outcome.value = {
      resource,
      command: command.display_name,
      success: answer.success,
      message: answer.message || (answer.success ? "done" : "failed"),
    };
  } catch (error) {
    const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
    if (error instanceof ApiError && error.status === 400 && showing(state.id)) {
      dialog.value = { ...state, error: message, busy: false }; // the arguments, refused: correct them
    } else {
      outcome.value = { resource, command: command.display_name, success: false, message };
    }
  } finally {
    clearTimeout(handoff);
    running.value = null;
  }
}

/** The command dialog and the result banner; mounted once by the Resources page. */
export function CommandLayer() {
  const open = dialog.value;
  const busy = running.value;
  const done = outcome.value;
  return (
    <>
      {open && (
        <CommandDialog
          key={open.id}
          state={open}
          onCancel={() => (dialog.value = null)}
          onRun={(values) => void run(open, values)}
        />
      )}
      {busy && !open && (
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

// The dialog before a command runs: its question (the command's confirmation message, or
// "Restart 'api'?") and, when it declares arguments, a labelled field for each — required ones
// marked, secret ones typed into password fields, defaults prefilled. Enter runs, Esc cancels.
// The app host checks the arguments (it is the one authority); when it refuses them (400) its
// message is shown here and the values stay, so the user corrects them and runs again.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Command, CommandArgument } from "./snapshots";

export interface DialogState {
  /** Tells one opening of the dialog from the next (a refusal is shown in the one it answers). */
  id: number;
  resource: string;
  command: Command;
  /** The app host's reason for refusing the arguments, shown above the buttons. */
  error: string | null;
  /** True while the command's answer is awaited with the dialog still open. */
  busy: boolean;
}

/** The arguments `command` declares (none from an app host that predates them). */
export function argumentsOf(command: Command): CommandArgument[] {
  return command.arguments ?? [];
}

function question(state: DialogState): string {
  return state.command.confirmation_message || `${state.command.display_name} '${state.resource}'?`;
}

function initialValues(command: Command): Record<string, string> {
  return Object.fromEntries(argumentsOf(command).map((a) => [a.name, a.default ?? ""]));
}

/** The values to send: empty fields are left out, so the app host fills in their default (or
 * refuses a required one, naming it). */
export function filled(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ""));
}

function ArgumentField({
  argument,
  value,
  onInput,
}: {
  argument: CommandArgument;
  value: string;
  onInput: (value: string) => void;
}) {
  const id = `command-argument-${argument.name}`;
  const help = argument.description ? `${id}-help` : undefined;
  const common = {
    id,
    name: argument.name,
    class: "input",
    required: argument.required,
    "aria-required": argument.required,
    "aria-describedby": help,
    value,
    "data-testid": id,
    onInput: (event: Event) => onInput((event.target as HTMLInputElement).value),
  };
  return (
    <div class="field">
      <label for={id}>
        {argument.label}
        {argument.required && (
          <span class="required" aria-hidden="true" title="required">
            {" "}*
          </span>
        )}
      </label>
      {argument.secret ? (
        <input type="password" autoComplete="new-password" {...common} />
      ) : (
        <input type="text" autoComplete="off" {...common} />
      )}
      {help && (
        <small id={help} class="muted">
          {argument.description}
        </small>
      )}
    </div>
  );
}

/** The dialog for `state`; `onRun` gets the values to send (empty for a command without arguments). */
export function CommandDialog({
  state,
  onCancel,
  onRun,
}: {
  state: DialogState;
  onCancel: () => void;
  onRun: (values: Record<string, string>) => void;
}) {
  const [values, setValues] = useState(() => initialValues(state.command));
  const box = useRef<HTMLDivElement>(null);
  // Focus the first field (or the button) when the dialog opens: `autofocus` only works once per
  // page load, and Enter and Esc need the focus inside the dialog.
  useEffect(() => {
    box.current?.querySelector<HTMLElement>("input, button[type=submit]")?.focus();
  }, []);
  const declared = argumentsOf(state.command);
  const title = `command-title-${state.id}`;
  const submit = (event: Event) => {
    event.preventDefault();
    if (!state.busy) onRun(filled(values));
  };
  return (
    <div class="modal-backdrop" onClick={onCancel}>
      <div
        ref={box}
        class="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby={title}
        aria-busy={state.busy}
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => event.key === "Escape" && onCancel()}
      >
        <form noValidate onSubmit={submit}>
          <h2 id={title}>{state.command.display_name}</h2>
          <p>{question(state)}</p>
          {state.command.description && <p class="muted">{state.command.description}</p>}
          {declared.map((argument) => (
            <ArgumentField
              key={argument.name}
              argument={argument}
              value={values[argument.name] ?? ""}
                onInput={(value) => setValues((now) => ({ ...now, [argument.name]: value }))}
            />
          ))}
          {declared.some((a) => a.required) && (
            <p class="muted small">
              <span aria-hidden="true">* </span>required
            </p>
          )}
          {state.error && (
            <p class="form-error" role="alert" data-testid="command-error">
              {state.error}
            </p>
          )}
          <div class="modal-actions">
            <button type="button" class="btn" onClick={onCancel}>
              Cancel
            </button>
            <button
              type="submit"
              class={`btn primary ${state.busy ? "busy" : ""}`}
              data-testid="confirm-ok"
              disabled={state.busy}
            >
              {declared.length ? (state.busy ? "Running…" : "Run") : state.command.display_name}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

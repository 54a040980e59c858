// Filter controls shared by the telemetry pages. Text boxes apply on Enter or after a short
// pause in typing, so a stream is not restarted per keystroke.
import { useEffect, useState } from "preact/hooks";

export function ResourceSelect(props: { value: string; names: string[]; onChange: (value: string) => void; testId?: string }) {
  const names = props.value && !props.names.includes(props.value) ? [props.value, ...props.names] : props.names;
  return (
    <label class="tfield">
      <span>Resource</span>
      <select value={props.value} data-testid={props.testId} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        <option value="">(all)</option>
        {names.map((name) => (
          <option value={name}>{name}</option>
        ))}
      </select>
    </label>
  );
}

export function TextFilter(props: {
  label: string;
  value: string;
  placeholder?: string;
  onChange: (value: string) => void;
  testId?: string;
  width?: string;
}) {
  const [draft, setDraft] = useState(props.value);
  useEffect(() => setDraft(props.value), [props.value]);
  useEffect(() => {
    if (draft === props.value) return;
    const timer = window.setTimeout(() => props.onChange(draft), 400);
    return () => window.clearTimeout(timer);
  }, [draft]);
  return (
    <label class="tfield">
      <span>{props.label}</span>
      <input
        type="search"
        value={draft}
        placeholder={props.placeholder}
        data-testid={props.testId}
        style={props.width ? { width: props.width } : undefined}
        onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") props.onChange(draft);
        }}
      />
    </label>
  );
}

export function SelectFilter(props: {
  label: string;
  value: string;
  options: Array<[string, string]>;
  onChange: (value: string) => void;
  testId?: string;
}) {
  return (
    <label class="tfield">
      <span>{props.label}</span>
      <select value={props.value} data-testid={props.testId} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.options.map(([value, text]) => (
          <option value={value}>{text}</option>
        ))}
      </select>
    </label>
  );
}

/** Live / paused, with the count of what arrived while paused (like the console page). */
export function LiveToggle(props: { paused: boolean; pending: number; onToggle: () => void }) {
  return (
    <button class={`tlive ${props.paused ? "paused" : ""}`} data-testid="live-toggle" onClick={props.onToggle}>
      {props.paused ? `Resume${props.pending ? ` (${props.pending} new)` : ""}` : "Pause"}
      <span class="dot" aria-hidden="true" />
    </button>
  );
}

export function AttributeTable(props: { attributes: Record<string, unknown>; testId?: string }) {
  const entries = Object.entries(props.attributes ?? {});
  if (entries.length === 0) return <p class="tmuted">No attributes</p>;
  return (
    <table class="tattrs" data-testid={props.testId}>
      <tbody>
        {entries.map(([key, value]) => (
          <tr>
            <th>{key}</th>
            <td>{typeof value === "string" ? value : JSON.stringify(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

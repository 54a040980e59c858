// The control API's resource snapshot (GET /v1/resources), as the page reads it. Secrets are
// already masked by the app host: the page shows env values exactly as it gets them.

export interface Replica {
  name: string;
  suffix: string;
  state: string;
  pid: number | null;
  exit_code: number | null;
  started_at: string | null;
  stopped_at: string | null;
  message: string | null;
  container_id: string | null;
}

export interface EnvVar {
  name: string;
  value: string;
  is_secret: boolean;
}

export interface Url {
  endpoint: string;
  url: string;
}

export interface Relationship {
  resource: string;
  type: string;
}

export interface HealthReport {
  name: string;
  status: string;
  description: string | null;
  last_error: string | null;
  checked_at: string | null;
}

/** An argument a command declares: the dialog asks for it. A secret one's default is never sent. */
export interface CommandArgument {
  name: string;
  label: string;
  description: string | null;
  required: boolean;
  secret: boolean;
  default: string | null;
}

export interface Command {
  name: string;
  display_name: string;
  state: "enabled" | "disabled" | "hidden" | string;
  description: string | null;
  confirmation_message: string | null;
  icon: string | null;
  arguments: CommandArgument[];
}

export interface Snapshot {
  name: string;
  resource_type: string;
  state: string;
  state_message: string | null;
  version: number;
  exit_code: number | null;
  replicas: Replica[];
  urls: Url[];
  env: EnvVar[];
  started_at: string | null;
  stopped_at: string | null;
  relationships: Relationship[];
  properties: Record<string, string>;
  health_status: string | null;
  health_reports: HealthReport[];
  commands: Command[];
  restart_count: number;
  hidden: boolean;
}

export interface CommandAnswer {
  resource: string;
  command: string;
  success: boolean;
  message: string | null;
  snapshot: Snapshot;
}

/** The resource's parent (a `Parent` relationship), or null for a top-level resource. */
export function parentOf(snapshot: Snapshot): string | null {
  return snapshot.relationships.find((r) => r.type === "Parent")?.resource ?? null;
}

/** The CSS class of a state or health value: the CLI's STATE_STYLES (pyspire/state_rules.py)
 * as colours — one table, so a state looks the same on the console, in `pyspire ps` and here. */
const STATE_CLASS: Record<string, string> = {
  NotStarted: "dim",
  Waiting: "magenta",
  Building: "cyan",
  Starting: "cyan",
  Running: "green",
  Stopping: "yellow",
  Exited: "yellow",
  Finished: "blue",
  FailedToStart: "red",
  ValueMissing: "red",
  Healthy: "green",
  Unhealthy: "red",
};

export function toneOf(value: string | null | undefined): string {
  return (value && STATE_CLASS[value]) || "white";
}

/** "NotStarted" → "Not started": how the CLI prints state names. */
export function stateLabel(state: string): string {
  return state.replace(/([a-z])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`);
}

/** A wall-clock time (HH:MM:SS) of an ISO timestamp, in the browser's time zone. */
export function timeOf(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString(undefined, { hour12: false });
}

// Colours that stay the same for a resource on every page and across reloads (a hash of its
// name into a palette), and one colour per severity.
import type { Severity } from "./types";

const PALETTE = ["#3b82f6", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#14b8a6", "#f97316", "#6366f1", "#84cc16", "#06b6d4"];

export function resourceColor(name: string): string {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0;
  return PALETTE[Math.abs(hash) % PALETTE.length];
}

export function seriesColor(index: number): string {
  return PALETTE[index % PALETTE.length];
}

export const SEVERITY_CLASS: Record<Severity, string> = {
  unspecified: "sev-unspecified",
  trace: "sev-trace",
  debug: "sev-debug",
  info: "sev-info",
  warn: "sev-warn",
  error: "sev-error",
  fatal: "sev-fatal",
};

// A colour per resource that stays the same on every page (a hash of its name into a palette,
// moving on to the next free colour when another resource this page has shown holds it), and one
// colour per severity.
import type { Severity } from "./types";

const PALETTE = ["#3b82f6", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#14b8a6", "#f97316", "#6366f1", "#84cc16", "#06b6d4"];

const assigned = new Map<string, string>();
const taken = new Set<string>();

export function resourceColor(name: string): string {
  const known = assigned.get(name);
  if (known) return known;
  // FNV-1a: short names that differ in one letter still land far apart.
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  const start = (hash >>> 0) % PALETTE.length;
  let color = PALETTE[start];
  for (let i = 0; i < PALETTE.length; i++) {
    const candidate = PALETTE[(start + i) % PALETTE.length];
    if (!taken.has(candidate)) {
      color = candidate;
      break;
    }
  }
  assigned.set(name, color);
  taken.add(color);
  return color;
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

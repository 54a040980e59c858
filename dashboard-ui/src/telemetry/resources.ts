// The resources that sent telemetry (for the pages' resource filters): the store's stats, asked
// again every few seconds so a resource that starts sending later shows up.
import { useEffect, useState } from "preact/hooks";
import { getTelemetry } from "./http";
import type { TelemetryStats } from "./types";

export function useTelemetryResources(): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    let alive = true;
    const load = () =>
      getTelemetry<TelemetryStats>("/v1/telemetry/stats")
        .then((stats) => {
          if (!alive) return;
          const next = Object.keys(stats.resources ?? {}).sort();
          setNames((prev) => (prev.join("\n") === next.join("\n") ? prev : next));
        })
        .catch(() => undefined);
    load();
    const timer = window.setInterval(load, 5000);
    return () => {
      alive = false;
      window.clearInterval(timer);
    };
  }, []);
  return names;
}

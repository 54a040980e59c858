// The page's shell: a sidebar of pages and the current page. Pages are chosen by the hash route
// (router.ts); each page gets the route's query parameters.
import { signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { getJson } from "./api";
import { route, href } from "./router";
import { ResourcesPage } from "./pages/resources";
import { ConsolePage } from "./pages/console";
import { StructuredLogsPage } from "./pages/structured-logs";
import { TracesPage } from "./pages/traces";
import { MetricsPage } from "./pages/metrics";

// Inline icons (16×16 strokes): no icon font to load, nothing fetched from elsewhere.
const ICONS: Record<string, string> = {
  resources: "M2 3h12v4H2zM2 9h12v4H2zM5 5h.01M5 11h.01",
  console: "M2 3h12v10H2zM4.5 6l2 2-2 2M8 10h3.5",
  structured: "M3 4h10M3 8h10M3 12h6",
  traces: "M2 4h7M5 8h8M4 12h5",
  metrics: "M2 13h12M4 11V7M7 11V4M10 11V8M13 11V5",
};

const PAGES = [
  { id: "resources", title: "Resources", view: ResourcesPage },
  { id: "console", title: "Console", view: ConsolePage },
  { id: "structured", title: "Structured logs", view: StructuredLogsPage },
  { id: "traces", title: "Traces", view: TracesPage },
  { id: "metrics", title: "Metrics", view: MetricsPage },
] as const;

interface Info {
  name: string;
  app_dir: string;
  run_id: string;
  pid: number;
  version: string;
}

/** Who this app host is (GET /v1/info), shown under the brand and in the window title. */
export const appInfo = signal<Info | null>(null);

export function App() {
  const current = PAGES.find((p) => p.id === route.value.page) ?? PAGES[0];
  const View = current.view;
  useEffect(() => {
    getJson<Info>("/v1/info")
      .then((info) => {
        appInfo.value = info;
        if (info.name) document.title = `${info.name} · pyspire`;
      })
      .catch(() => undefined);
  }, []);
  const info = appInfo.value;
  return (
    <div class="layout">
      <nav class="nav" aria-label="pages">
        <div class="brand">
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path d="M12 2 L21 7 L21 17 L12 22 L3 17 L3 7 Z" class="brand-mark" />
            <path d="M12 7 L16.5 9.5 L16.5 14.5 L12 17 L7.5 14.5 L7.5 9.5 Z" class="brand-core" />
          </svg>
          <div>
            <div class="brand-name">pyspire</div>
            {info && (
              <div class="brand-app" title={`${info.app_dir} · run ${info.run_id} · pyspire ${info.version}`}>
                {info.name}
              </div>
            )}
          </div>
        </div>
        {PAGES.map((p) => (
          <a
            href={href(p.id)}
            class={p.id === current.id ? "active" : ""}
            aria-current={p.id === current.id ? "page" : undefined}
            data-testid={`nav-${p.id}`}
          >
            <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" class="nav-icon">
              <path d={ICONS[p.id]} />
            </svg>
            {p.title}
          </a>
        ))}
      </nav>
      <main class="main">
        <View params={route.value.params} />
      </main>
    </div>
  );
}

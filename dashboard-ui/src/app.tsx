import { route, href } from "./router";
import { ResourcesPage } from "./pages/resources";
import { ConsolePage } from "./pages/console";
import { StructuredLogsPage } from "./pages/structured-logs";
import { TracesPage } from "./pages/traces";
import { MetricsPage } from "./pages/metrics";

const PAGES = [
  { id: "resources", title: "Resources", view: ResourcesPage },
  { id: "console", title: "Console", view: ConsolePage },
  { id: "structured", title: "Structured logs", view: StructuredLogsPage },
  { id: "traces", title: "Traces", view: TracesPage },
  { id: "metrics", title: "Metrics", view: MetricsPage },
] as const;

export function App() {
  const current = PAGES.find((p) => p.id === route.value.page) ?? PAGES[0];
  const View = current.view;
  return (
    <div class="layout">
      <nav class="nav" aria-label="pages">
        <span class="brand">pyspire</span>
        {PAGES.map((p) => (
          <a href={href(p.id)} class={p.id === current.id ? "active" : ""} aria-current={p.id === current.id ? "page" : undefined}>
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

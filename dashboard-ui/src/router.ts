// Hash routing (#/resources, #/console?resource=api): the server serves one page, and reloads or
// shared links land on the same view.
import { signal } from "@preact/signals";

export interface Route {
  page: string;
  params: URLSearchParams;
}

function parse(): Route {
  const hash = window.location.hash.replace(/^#\/?/, "");
  const [page, query] = hash.split("?", 2);
  return { page: page || "resources", params: new URLSearchParams(query ?? "") };
}

export const route = signal<Route>(parse());
window.addEventListener("hashchange", () => (route.value = parse()));

export function href(page: string, params?: Record<string, string>): string {
  const qs = new URLSearchParams(params ?? {}).toString();
  return `#/${page}${qs ? `?${qs}` : ""}`;
}

export function navigate(page: string, params?: Record<string, string>): void {
  window.location.hash = href(page, params);
}

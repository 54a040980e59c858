// The page's only way to the app host: same-origin calls under /api, which the dashboard server
// forwards to the control API with its token (the page never sees the token; the session cookie
// authenticates it). SSE streams use EventSource, which sends the cookie too.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 401) {
    // The session ended (app host restarted, cookie expired): back to the login page.
    window.location.assign("./login");
    throw new ApiError(401, "not logged in");
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && typeof body.message === "string") message = body.message;
    } catch {
      /* not JSON: keep the status line */
    }
    throw new ApiError(response.status, message);
  }
  return (await response.json()) as T;
}

export async function getJson<T>(path: string, params?: Record<string, string | number | undefined | null>): Promise<T> {
  return answer<T>(await fetch(url(path, params), { credentials: "same-origin" }));
}

export async function postJson<T>(path: string, body?: unknown): Promise<T> {
  return answer<T>(
    await fetch(url(path), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

export function url(path: string, params?: Record<string, string | number | undefined | null>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const qs = query.toString();
  return `./api${path}${qs ? `?${qs}` : ""}`;
}

/** Follow an SSE stream: `onEvent(type, data)` per event; returns the call that closes it.
 * `onStatus(true)` when the stream is open, `onStatus(false)` while EventSource reconnects (the
 * app host restarting, the network gone) — so a page can say its data may be stale. */
export function subscribe(
  path: string,
  params: Record<string, string | number | undefined | null>,
  events: string[],
  onEvent: (type: string, data: unknown) => void,
  onStatus?: (open: boolean) => void,
): () => void {
  const source = new EventSource(url(path, params));
  for (const type of events) {
    source.addEventListener(type, (event) => onEvent(type, JSON.parse((event as MessageEvent).data)));
  }
  if (onStatus) {
    source.addEventListener("open", () => onStatus(true));
    source.addEventListener("error", () => onStatus(false));
  }
  return () => source.close();
}

/** Read a newline-delimited JSON stream (the control API's `follow` logs): `onItems` gets every
 * object that arrived in one network chunk at once, so a chatty resource costs one call per chunk,
 * not one per line. `onEnd` says why the stream stopped (null: the server closed it). Returns the
 * call that aborts it. Empty lines (the server's keep-alives) are skipped. */
export function streamNdjson<T>(
  path: string,
  params: Record<string, string | number | undefined | null>,
  onItems: (items: T[]) => void,
  onEnd?: (error: string | null) => void,
): () => void {
  const controller = new AbortController();
  void (async () => {
    try {
      const response = await fetch(url(path, { ...params, format: "ndjson" }), {
        credentials: "same-origin",
        headers: { Accept: "application/x-ndjson" },
        signal: controller.signal,
      });
      if (!response.ok || !response.body) {
        await answer(response); // throws the API's message
        throw new ApiError(response.status, "no response body");
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let rest = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const text = rest + value;
        const last = text.lastIndexOf("\n");
        if (last < 0) {
          rest = text;
          continue;
        }
        rest = text.slice(last + 1);
        const items: T[] = [];
        for (const line of text.slice(0, last).split("\n")) {
          if (line.length > 0) items.push(JSON.parse(line) as T);
        }
        if (items.length) onItems(items);
      }
      onEnd?.(null);
    } catch (error) {
      if (controller.signal.aborted) return;
      onEnd?.(error instanceof Error ? error.message : String(error));
    }
  })();
  return () => controller.abort();
}

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

/** Follow an SSE stream: `onEvent(type, data)` per event; returns the call that closes it. */
export function subscribe(
  path: string,
  params: Record<string, string | number | undefined | null>,
  events: string[],
  onEvent: (type: string, data: unknown) => void,
): () => void {
  const source = new EventSource(url(path, params));
  for (const type of events) {
    source.addEventListener(type, (event) => onEvent(type, JSON.parse((event as MessageEvent).data)));
  }
  return () => source.close();
}

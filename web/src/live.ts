// Live updates of a project's graph: the hub's `graphChanged(projectId)` GraphQL subscription over
// /graphql (graphql-transport-ws). If the websocket cannot be opened or drops, `poll` runs every
// POLL_MS until the subscription is connected again. graphql-ws is loaded on first use, outside
// the initial bundle.
const POLL_MS = 3000;

export type LiveMode = "connecting" | "subscription" | "polling";

export function watchGraph(projectId: string, on: {
  changed(): void; poll(): Promise<void>; mode(mode: LiveMode): void;
}): () => void {
  let stopped = false;
  let pollTimer: number | null = null;
  let dispose: (() => void) | null = null;
  const startPolling = () => {
    if (stopped || pollTimer !== null) return;
    on.mode("polling");
    pollTimer = window.setInterval(() => { on.poll().catch(() => { /* shown by the next full load */ }); }, POLL_MS);
  };
  const stopPolling = () => {
    if (pollTimer !== null) { window.clearInterval(pollTimer); pollTimer = null; }
  };
  on.mode("connecting");
  import("graphql-ws").then(({ createClient }) => {
    if (stopped) return;
    const client = createClient({
      url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`,
      lazy: false,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: async (retries) => new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** retries))),
      on: {
        connected: () => { stopPolling(); on.mode("subscription"); },
        closed: () => startPolling(),
        error: () => startPolling(),
      },
    });
    const unsubscribe = client.subscribe(
      { query: "subscription G($p: String!) { graphChanged(projectId: $p) { eventId } }", variables: { p: projectId } },
      { next: () => on.changed(), error: () => startPolling(), complete: () => startPolling() },
    );
    dispose = () => { unsubscribe(); void client.dispose(); };
  }, () => startPolling());
  return () => { stopped = true; stopPolling(); dispose?.(); };
}

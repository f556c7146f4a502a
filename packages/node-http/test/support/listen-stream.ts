/** A JSON-RPC message read off an event stream. */
export interface StreamMessage {
  method?: string;
  params?: Record<string, unknown>;
}

/** An open subscriptions/listen stream: the messages read so far, and a way to close it. */
export interface ListenStream {
  response: Response;
  messages: StreamMessage[];
  /** Closes the stream (the client leaving) and waits until reading stopped. */
  close(): Promise<void>;
}

/**
 * POSTs a 2026-07-28 subscriptions/listen and reads its event stream in the background, each
 * event's data parsed into `messages` as it arrives.
 */
export async function openListen(url: string, headers: Record<string, string>, request: { id: string; params: Record<string, unknown> }): Promise<ListenStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    signal: controller.signal,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: request.id, method: 'subscriptions/listen', params: request.params }),
  });
  const messages: StreamMessage[] = [];
  const reading = readEventMessages(response, (message) => messages.push(message as StreamMessage)).catch(() => undefined);
  return {
    response,
    messages,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

/** Polls `check` every 20 ms until it holds or 5 s pass. */
export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * Reads an event stream's messages as they arrive (each event's `data:` parsed as JSON) until it
 * ends; rejects when it is broken off (a test closing it, say).
 */
export async function readEventMessages(response: Response, onMessage: (message: unknown) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      const data = /^data: (.*)$/m.exec(buffered.slice(0, end))?.[1];
      buffered = buffered.slice(end + 2);
      if (data) onMessage(JSON.parse(data));
    }
  }
}

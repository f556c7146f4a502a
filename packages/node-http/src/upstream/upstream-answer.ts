import type { Dispatcher } from 'undici';
import { SseParser, type SseEvent } from '../wire/sse.js';
import { deadlineError } from './upstream-client.js';

/** A header of an upstream response as one string. */
export function responseHeader(response: Dispatcher.ResponseData, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The media type of an upstream response, lower case, without parameters. */
export function mediaType(response: Dispatcher.ResponseData): string {
  return mediaTypeOf(response.headers['content-type']);
}

/** The media type a Content-Type header names, lower case, without parameters ('' when there is none). */
export function mediaTypeOf(contentType: string | string[] | undefined): string {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  if (value === undefined) return '';
  // The two an MCP upstream sends, as most send them: no split, trim and copy per answer.
  if (value === 'application/json' || value === 'text/event-stream') return value;
  return value.split(';', 1)[0]!.trim().toLowerCase();
}

/** Parses JSON without throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Calls `onEvent` for each SSE event of an upstream body as it arrives; resolves when the body
 * ends, rejects if it breaks. `onEvent` returns true to stop reading (the body is then dropped).
 */
export async function readEvents(
  body: Dispatcher.ResponseData['body'],
  onEvent: (event: SseEvent) => boolean | void,
  maxEventBytes = Number.POSITIVE_INFINITY,
): Promise<void> {
  let stop = false;
  let sinceEvent = 0;
  const parser = new SseParser((event) => {
    sinceEvent = 0;
    if (!stop && onEvent(event) === true) stop = true;
  });
  for await (const chunk of body as AsyncIterable<Buffer>) {
    sinceEvent += chunk.length;
    parser.feed(chunk);
    if (stop) {
      body.destroy();
      return;
    }
    if (sinceEvent > maxEventBytes) {
      body.destroy();
      throw new TooLargeError(maxEventBytes);
    }
  }
}

/** An upstream answer past upstreams[].maxResponseBytes. */
export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit} bytes (upstreams[].maxResponseBytes)`);
  }
}

/** A JSON body as text, refused (and dropped) once past `maxBytes`. */
export async function readText(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > maxBytes) {
      body.destroy();
      throw new TooLargeError(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads an upstream's answer to one request the gateway sent on its own behalf (initialize,
 * server/discover): a JSON body, or the SSE event carrying the response with that id, within
 * `timeoutMs` in all. Each event resets undici's silence timer, so an upstream that keeps writing
 * (comments, other messages) and never answers would otherwise hold the opening, and every client
 * waiting on it, for ever.
 */
export async function readOwnAnswer(response: Dispatcher.ResponseData, id: string, maxBytes: number, timeoutMs: number): Promise<unknown> {
  const timer = setTimeout(() => response.body.destroy(deadlineError()), Math.max(0, timeoutMs));
  try {
    return await readAnswerBody(response, id, maxBytes);
  } finally {
    clearTimeout(timer);
  }
}

async function readAnswerBody(response: Dispatcher.ResponseData, id: string, maxBytes: number): Promise<unknown> {
  const type = mediaType(response);
  if (type === 'application/json') {
    const parsed = parseJson(await readText(response.body, maxBytes));
    return parsed.ok ? findResponse(parsed.value, id) : undefined;
  }
  if (type === 'text/event-stream') {
    let found: unknown;
    await readEvents(response.body, (event) => {
      const parsed = parseJson(event.data);
      found = parsed.ok ? findResponse(parsed.value, id) : undefined;
      return found !== undefined;
    }, maxBytes);
    return found;
  }
  await response.body.dump();
  return undefined;
}

function findResponse(value: unknown, id: string): unknown {
  const list = Array.isArray(value) ? value : [value];
  return list.find((message) => typeof message === 'object' && message !== null && (message as { id?: unknown }).id === id && !('method' in message));
}

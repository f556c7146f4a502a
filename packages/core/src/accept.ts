import { deny, type Denial } from './errors.js';

/** Which answer formats a client admits, read from its Accept header. */
export interface AcceptedFormats {
  json: boolean;
  sse: boolean;
}

/**
 * Reads an Accept header for the two formats MCP answers in. The specification asks clients to
 * list both on POST; a client listing only one still gets an answer in that one (a curl user
 * with `Accept: application/json` gets JSON), and a missing header admits both, as HTTP says.
 * Media ranges with q=0 are refusals.
 */
export function readAccept(accept: string | undefined): AcceptedFormats {
  // What every MCP client sends, answered without parsing.
  if (accept === undefined || accept === 'application/json, text/event-stream') return { json: true, sse: true };
  if (accept.trim() === '') return { json: true, sse: true };
  const formats: AcceptedFormats = { json: false, sse: false };
  for (const part of accept.split(',')) {
    const [rawType = '', ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    if (params.some((param) => /^\s*q\s*=\s*0(\.0*)?\s*$/i.test(param))) continue;
    if (type === '*/*') {
      formats.json = true;
      formats.sse = true;
    } else if (type === 'application/*' || type === 'application/json') {
      formats.json = true;
    } else if (type === 'text/*' || type === 'text/event-stream') {
      formats.sse = true;
    }
  }
  return formats;
}

/** A POST must admit JSON or SSE; a GET (the server's stream) must admit SSE. */
export function checkAccept(accept: string | undefined, need: 'answer' | 'stream'): { ok: true; formats: AcceptedFormats } | Denial {
  const formats = readAccept(accept);
  if (need === 'stream' ? formats.sse : formats.json || formats.sse) return { ok: true, formats };
  return deny(
    'NOT_ACCEPTABLE',
    need === 'stream' ? 'the stream is text/event-stream; list it in Accept' : 'answers are application/json or text/event-stream; list them in Accept',
  );
}

/** POST bodies are JSON: `application/json`, any charset parameter allowed (UTF-8 is what is read). */
export function checkContentType(contentType: string | undefined): { ok: true } | Denial {
  if (contentType === 'application/json') return { ok: true };
  const type = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (type === 'application/json') return { ok: true };
  return deny('UNSUPPORTED_MEDIA_TYPE', `send the body as application/json${contentType ? `, not ${JSON.stringify(contentType.slice(0, 100))}` : ''}`);
}

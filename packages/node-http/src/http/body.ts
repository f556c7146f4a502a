import type { IncomingMessage } from 'node:http';
import type { Denial } from '@gw/core';
import { deny } from '@gw/core/internal';

/** A request body as read: bytes from the socket, or what a host framework's parser left in req.body. */
export type RequestBody = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'text'; text: string } | { kind: 'parsed'; value: unknown };

/** Node's request, as Express leaves it after a body parser ran. */
type MaybeParsed = IncomingMessage & { body?: unknown };

/**
 * Reads the body once, up to `limit` bytes. A declared Content-Length over the limit is refused
 * before anything is read; a body that grows past it is refused as soon as it does, without
 * keeping the rest in memory. If a host framework already consumed the stream (Express with
 * express.json() or express.raw()), its result is used instead.
 */
export function readBody(req: MaybeParsed, limit: number): Promise<{ ok: true; body: RequestBody } | Denial> {
  if (req.body !== undefined && (req.readableEnded || req.complete)) {
    const body = req.body;
    if (body instanceof Uint8Array) return Promise.resolve(checkSize(body.length, limit) ?? { ok: true, body: { kind: 'bytes', bytes: body } });
    if (typeof body === 'string') return Promise.resolve({ ok: true, body: { kind: 'text', text: body } });
    return Promise.resolve({ ok: true, body: { kind: 'parsed', value: body } });
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared)) {
    const tooLarge = checkSize(declared, limit);
    if (tooLarge) return Promise.resolve(tooLarge);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    // The listeners stay when it settles: removing four costs more than the guard below, they go
    // with the request, and an error after the end still finds a listener instead of crashing.
    const finish = (result: { ok: true; body: RequestBody } | Denial) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.pause();
        finish(checkSize(size, limit)!);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: { kind: 'bytes', bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) } });
    const onError = () => finish(deny('BAD_REQUEST', 'the request body could not be read'));
    const onClose = () => finish(deny('BAD_REQUEST', 'the client closed the request before its body ended'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function checkSize(size: number, limit: number): Denial | undefined {
  return size > limit ? deny('PAYLOAD_TOO_LARGE', `the body exceeds ${limit} bytes (server.maxBodyBytes)`) : undefined;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Denial, JsonRpcId } from '@gw/core';
import { extend, jsonRpcError } from '@gw/core/internal';

/** Writes a JSON body with its status and headers, unless an answer has already begun. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, extend(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }));
  res.end(text);
}

/** Answers a denial as a JSON-RPC error with the request's id and the table's status and headers. */
export function sendDenial(res: ServerResponse, denial: Denial, id: JsonRpcId | null | undefined, headers: Readonly<Record<string, string>> = {}): void {
  sendJson(res, denial.status, jsonRpcError(denial, id), extend(headers, denial.headers));
}

/** 202 Accepted with no body: the answer to a POST of notifications and responses only. */
export function sendAccepted(res: ServerResponse, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(202, headers);
  res.end();
}

/**
 * Marks the answer to a request whose body the gateway will not read (it reads only a POST to
 * its endpoint) as the connection's last: node would otherwise drain whatever body the client
 * sends, for anyone, before the connection could serve another request.
 */
export function closeIfBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  const length = req.headers['content-length'];
  const declaresBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (declaresBody && !res.headersSent) res.setHeader('connection', 'close');
}

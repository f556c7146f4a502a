import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Decision, Denial, JsonRpcId, MessageResult, Subject } from '@gw/core';
import type { AcceptedFormats } from '@gw/core/internal';
import type { PostAudit } from '../ops/audit-trail.js';
import type { GatewayRuntime } from '../runtime.js';
import type { ForwardedHeaders } from '../upstream/forward-headers.js';
import { sendDenial } from '../wire/respond.js';

/** One POST as the shared front (front.ts) hands it to the client's era: read, parsed, its caller known. */
export interface PostRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly subject: Subject;
  /** The messages of the body, each parsed or refused. */
  readonly items: readonly MessageResult[];
  /** The body was a JSON array. */
  readonly batch: boolean;
  readonly formats: AcceptedFormats;
  /** The body's bytes when they may be forwarded as they came. */
  readonly rawBody: Uint8Array | undefined;
  /** What of the client's headers may reach an upstream, picked once at the front. */
  readonly forwarded: ForwardedHeaders;
  /** The revision the client speaks, once the era has learned it (its session's, or its request's): for the audit trail. */
  protocolVersion?: string;
}

/** How one message of a POST ended. */
export interface MessageOutcome {
  readonly item: MessageResult;
  /** Where the gateway sent it; null when it answered or refused it itself. */
  readonly placed: Extract<Decision, { ok: true }> | null;
  /** The HTTP status the message's answer went out with, as the audit trail records it. */
  readonly status: number;
  /** How the gateway or the upstream refused it, if it did. */
  readonly failure: Denial | undefined;
}

/** How a POST ended: refused as a whole before any answer (the refusal is not sent yet), or its messages answered. */
export type PostOutcome =
  | { readonly kind: 'refused'; readonly denial: Denial; readonly id: JsonRpcId | null; readonly items: readonly MessageResult[] | undefined; readonly headers: Readonly<Record<string, string>> | undefined }
  | { readonly kind: 'answered'; readonly messages: readonly MessageOutcome[] };

/** A POST refused as a whole, answered with `denial` under `id`; `items` are the messages read, if any. */
export function refusedPost(denial: Denial, id: JsonRpcId | null, items: readonly MessageResult[] | undefined, headers?: Readonly<Record<string, string>>): PostOutcome {
  return { kind: 'refused', denial, id, items, headers };
}

/** A POST whose messages were answered (or refused one by one). */
export function answeredPost(...messages: MessageOutcome[]): PostOutcome {
  return { kind: 'answered', messages };
}

/**
 * The one place a POST's outcome is told: a refusal is answered, and every message, answered or
 * refused, is counted (/metrics) and audited. Every POST ends here, whatever the era.
 */
export function settlePost(gw: GatewayRuntime, res: ServerResponse, audit: PostAudit | undefined, version: string | undefined, outcome: PostOutcome): void {
  if (audit && version !== undefined) audit.protocolVersion = version;
  if (outcome.kind === 'refused') {
    sendDenial(res, outcome.denial, outcome.id, outcome.headers);
    // Each message read is counted, as each is audited; an unreadable body is one.
    const messages = outcome.items === undefined || outcome.items.length === 0 ? 1 : outcome.items.length;
    for (let i = 0; i < messages; i++) gw.metrics.message(outcome.denial.name);
    audit?.refused(outcome.items, outcome.denial);
    return;
  }
  for (const message of outcome.messages) gw.metrics.message(message.failure?.name ?? 'ok');
  if (audit) for (const message of outcome.messages) audit.message(message.item, message.placed, message.status, message.failure);
}

import { readTarget, type AuditEvent, type Decision, type Denial, type JsonRpcId, type MessageResult, type Subject, type Target } from '@gw/core';
import { auditDecisionFor, cutText, MAX_AUDIT_TEXT, type IsoClock } from '@gw/core/internal';
import type { GatewayLogger } from './logger.js';

/** Where audit events go, with the logger that hears about a failing sink. */
export interface AuditSink {
  emit(event: AuditEvent): void;
  /** The time now as an event's `time` (ISO 8601), from the gateway's clock. */
  time(): string;
}

/**
 * Hands events to the user's sink on a later turn of the event loop, inside a try: writing
 * audit never delays an answer, and a sink that throws is logged, not propagated.
 */
export function createAuditSink(onAudit: ((event: AuditEvent) => void) | undefined, logger: GatewayLogger, clock: IsoClock): AuditSink | undefined {
  if (!onAudit) return undefined;
  // Events of one turn of the event loop are handed over together, after it: one timer, not one each.
  let pending: AuditEvent[] = [];
  const deliver = (): void => {
    const events = pending;
    pending = [];
    for (const event of events) {
      try {
        onAudit(event);
      } catch (error) {
        logger.warn('the audit sink failed', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  return {
    emit(event) {
      if (pending.push(event) === 1) setImmediate(deliver);
    },
    time: () => clock.text(),
  };
}

/** The audit record of one POST: when it began, who sent it, and one event per message at the end. */
export class PostAudit {
  private readonly started = performance.now();
  private readonly time: string;
  subject: Subject | undefined;
  /** The revision the client spoke (AuditEvent.protocolVersion), as far as the POST has told it so far. */
  private version: string | null;

  constructor(
    private readonly sink: AuditSink,
    /** The MCP-Protocol-Version header, until the session or the message says more. */
    versionHeader: string | undefined,
    /** Where the request came from (AuditEvent.clientAddress). */
    private readonly clientAddress: string | null,
  ) {
    this.time = sink.time();
    this.version = versionHeader === undefined ? null : cutText(versionHeader, MAX_AUDIT_TEXT);
  }

  /** The revision the client speaks: its session's, or the one its request names. */
  set protocolVersion(version: string) {
    this.version = cutText(version, MAX_AUDIT_TEXT);
  }

  /**
   * One event for a message; `placed` is where the gateway sent it (null when it answered or
   * refused it itself), `failure` how the gateway or upstream refused it, if it did. What the
   * client chose (method, target name, id) is cut to MAX_AUDIT_TEXT characters, so a message's
   * audit output stays small however large the message.
   */
  message(item: MessageResult | undefined, placed: Extract<Decision, { ok: true }> | null, status: number, failure: Denial | undefined): void {
    const message = item?.ok ? item.message : undefined;
    const method = message && message.kind !== 'response' ? cutText(message.method, MAX_AUDIT_TEXT) : null;
    let target: Target | null = null;
    if (message && message.kind !== 'response') {
      const read = readTarget(message.method, message.params);
      target = read !== null && !('ok' in read) ? (read.name.length > MAX_AUDIT_TEXT ? { kind: read.kind, name: cutText(read.name, MAX_AUDIT_TEXT) } : read) : null;
    }
    const error = failure?.name ?? null;
    const sent = failure === undefined || auditDecisionFor(error) === 'allowed' ? placed : null;
    const ran = sent?.item;
    this.sink.emit({
      time: this.time,
      requestId: cutId(message ? (message.kind === 'notification' ? null : message.id) : item && !item.ok ? item.id : null),
      tenant: this.subject?.tenant ?? null,
      client: this.subject?.client ?? null,
      apiKeyId: this.subject?.apiKeyId ?? null,
      clientAddress: this.clientAddress,
      protocolVersion: this.version,
      method,
      target,
      upstream: sent?.upstream ?? null,
      item: ran ? { kind: ran.kind, name: ran.name } : null,
      decision: auditDecisionFor(error),
      status,
      errorCode: failure?.error.code ?? null,
      error,
      durationMs: Math.round((performance.now() - this.started) * 1000) / 1000,
    });
  }

  /** The whole POST was refused before its messages were decided: one event per message (or one for an unreadable body). */
  refused(items: readonly MessageResult[] | undefined, denial: Denial): void {
    if (!items || items.length === 0) return this.message(undefined, null, denial.status, denial);
    for (const item of items) this.message(item, null, denial.status, denial);
  }
}

/** A string id cut like any client-chosen text; numbers are bounded already. */
function cutId(id: JsonRpcId | null): JsonRpcId | null {
  return typeof id === 'string' ? cutText(id, MAX_AUDIT_TEXT) : id;
}

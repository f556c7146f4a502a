import type { AuditEvent, JsonRpcId, Target } from '@gw/core';

/**
 * One audit event as the CLI's JSON line: `{"level":"info","message":"audit","type":"audit",`,
 * the event's fields in their order, then `"timestamp"`. The same text as JSON.stringify of that
 * object gives, written out for the event's fixed shape: on Node 20 JSON.stringify costs about
 * a microsecond for an event, this a third of it, and audit writes one line per message.
 * A field added to AuditEvent must be added here (the audit-line test compares the two).
 */
export function auditLine(event: AuditEvent, timestamp: string): string {
  return (
    `{"level":"info","message":"audit","type":"audit","time":${text(event.time)},"requestId":${id(event.requestId)},` +
    `"tenant":${text(event.tenant)},"client":${text(event.client)},"apiKeyId":${text(event.apiKeyId)},` +
    `"method":${text(event.method)},"target":${target(event.target)},"upstream":${text(event.upstream)},` +
    `"decision":${text(event.decision)},"status":${num(event.status)},"errorCode":${num(event.errorCode)},` +
    `"error":${text(event.error)},"durationMs":${num(event.durationMs)},"timestamp":${text(timestamp)}}`
  );
}

/** A string as JSON: printable ASCII without `"` and `\` needs no escape; anything else is JSON.stringify's. */
function text(value: string | null): string {
  if (value === null) return 'null';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return JSON.stringify(value);
  }
  return `"${value}"`;
}

/** A number as JSON: what JSON.stringify gives (null for NaN and the infinities). */
function num(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return 'null';
  if (Number.isInteger(value)) return String(value);
  return thousandths(value) ?? String(value);
}

/**
 * A number of whole thousandths (durationMs is rounded to them) written from integers: turning a
 * fractional number into its shortest text is one of the dearer steps of an audit line. The
 * text is the shortest one, as JSON gives it; undefined for any other number.
 */
function thousandths(value: number): string | undefined {
  const count = Math.round(value * 1000);
  if (count / 1000 !== value || !Number.isSafeInteger(count) || Math.abs(value) < 1e-6) return undefined;
  const magnitude = Math.abs(count);
  const whole = Math.floor(magnitude / 1000);
  const fraction = magnitude - whole * 1000;
  const digits = fraction < 10 ? `00${fraction}` : fraction < 100 ? `0${fraction}` : String(fraction);
  // Trailing zeros dropped (the value is not whole, so not all three are zeros).
  return `${value < 0 ? '-' : ''}${whole}.${digits.charCodeAt(2) === 48 ? (digits.charCodeAt(1) === 48 ? digits[0] : digits.slice(0, 2)) : digits}`;
}

function id(value: JsonRpcId | null): string {
  return typeof value === 'string' ? text(value) : num(value);
}

function target(value: Target | null): string {
  return value === null ? 'null' : `{"kind":${text(value.kind)},"name":${text(value.name)}}`;
}

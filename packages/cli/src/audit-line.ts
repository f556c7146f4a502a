import type { AuditEvent, JsonRpcId } from '@gw/core';

/**
 * Writes audit events as the CLI's JSON lines: `{"level":"info","message":"audit","type":"audit",`,
 * the event's fields in their order, then `"timestamp"`. The same text as JSON.stringify of that
 * object gives, written out for the event's fixed shape: on Node 20 JSON.stringify costs about
 * a microsecond for an event, this a fraction of it, and audit writes one line per message.
 * A field added to AuditEvent must be added here (the audit-line test compares the two).
 *
 * Consecutive events mostly share who sent them, what they called, how it ended and the
 * millisecond: the text of each such group of fields is kept with the values it was written
 * from and used again while they stay the same. A line is then a dozen pieces rather than
 * fifty, and pieces are what writing the joined lines out has to walk.
 */
export function createAuditLine(): (event: AuditEvent, timestamp: string) => string {
  const time = new TextMemo();
  const stamp = new TextMemo();
  let tenant: string | null | undefined;
  let client: string | null | undefined;
  let apiKeyId: string | null | undefined;
  let clientAddress: string | null | undefined;
  let protocolVersion: string | null | undefined;
  let who = '';
  let method: string | null | undefined;
  let kind: string | null | undefined;
  let name: string | null | undefined;
  let call = '';
  let upstream: string | null | undefined;
  let itemKind: string | null | undefined;
  let itemName: string | null | undefined;
  let decision: string | undefined;
  let status: number | undefined;
  let errorCode: number | null | undefined;
  let error: string | null | undefined;
  let outcome = '';
  return (event, timestamp) => {
    if (event.tenant !== tenant || event.client !== client || event.apiKeyId !== apiKeyId || event.clientAddress !== clientAddress || event.protocolVersion !== protocolVersion) {
      ({ tenant, client, apiKeyId, clientAddress, protocolVersion } = event);
      who = joined([',"tenant":', text(tenant), ',"client":', text(client), ',"apiKeyId":', text(apiKeyId), ',"clientAddress":', text(clientAddress), ',"protocolVersion":', text(protocolVersion)]);
    }
    const target = event.target;
    const targetKind = target === null ? null : target.kind;
    const targetName = target === null ? null : target.name;
    // A null target and a target named null would both compare equal by kind and name: the kind is never null.
    if (event.method !== method || targetKind !== kind || targetName !== name) {
      method = event.method;
      kind = targetKind;
      name = targetName;
      call = joined([',"method":', text(method), ',"target":', target === null ? 'null' : joined(['{"kind":', text(target.kind), ',"name":', text(target.name), '}'])]);
    }
    // Numbers are compared as their text is: -0 and 0 are both written 0, and NaN never matches (written anew).
    const item = event.item;
    const ranKind = item === null ? null : item.kind;
    const ranName = item === null ? null : item.name;
    if (event.upstream !== upstream || ranKind !== itemKind || ranName !== itemName || event.decision !== decision || event.status !== status || event.errorCode !== errorCode || event.error !== error) {
      ({ upstream, decision, status, errorCode, error } = event);
      itemKind = ranKind;
      itemName = ranName;
      outcome = joined([
        ',"upstream":',
        text(upstream),
        ',"item":',
        item === null ? 'null' : joined(['{"kind":', text(item.kind), ',"name":', text(item.name), '}']),
        ',"decision":',
        text(decision),
        ',"status":',
        num(status),
        ',"errorCode":',
        num(errorCode),
        ',"error":',
        text(error),
      ]);
    }
    return (
      `{"level":"info","message":"audit","type":"audit","time":${time.of(event.time)},"requestId":${id(event.requestId)}` +
      `${who}${call}${outcome},"durationMs":${num(event.durationMs)},"timestamp":${stamp.of(timestamp)}}`
    );
  };
}

/** One line, for an event on its own (a new writer each time: nothing is kept). */
export function auditLine(event: AuditEvent, timestamp: string): string {
  return createAuditLine()(event, timestamp);
}

/** A string's JSON text, kept for the string it was written from. */
class TextMemo {
  private value: string | null | undefined;
  private written = '';

  of(value: string | null): string {
    if (value !== this.value) {
      this.value = value;
      this.written = value !== null && isPlain(value) ? joined(['"', value, '"']) : text(value);
    }
    return this.written;
  }
}

/**
 * Pieces joined into one string laid out flat in memory: a `+` of strings only links them, and
 * every later write of a line that holds the result would walk those links again.
 */
function joined(pieces: string[]): string {
  return pieces.join('');
}

/** A string as JSON: printable ASCII without `"` and `\` needs no escape; anything else is JSON.stringify's. */
function text(value: string | null): string {
  if (value === null) return 'null';
  return isPlain(value) ? `"${value}"` : JSON.stringify(value);
}

function isPlain(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
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

import { describe, expect, it } from 'vitest';
import { GATEWAY_ERRORS, type AuditEvent, type GatewayErrorName } from '@gw/core';
import { auditLine, createAuditLine } from '../src/audit-line.js';

/** What the line must be: JSON.stringify of the line's fields around the event's. */
function expected(event: AuditEvent, timestamp: string): string {
  return JSON.stringify({ level: 'info', message: 'audit', type: 'audit', ...event, timestamp });
}

const STRINGS = ['', 'plain', 'tools/call', 'a"b', 'back\\slash', 'line\nbreak', 'tab\t', '\u0000nul', 'é', '日本', '\u2028', '\ud800 lone', '😀', '~\u007f'];
const NUMBERS = [0, -0, 1, 200, -32602, 1.5, 0.007, 1e21, 1e-7, 123456.789, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER];

describe('auditLine', () => {
  it('gives exactly the text JSON.stringify gives, for every kind of value a field can hold', () => {
    const errors = Object.keys(GATEWAY_ERRORS) as GatewayErrorName[];
    // A deterministic walk over the combinations (each list cycled at its own pace).
    for (let i = 0; i < 2_000; i++) {
      const pick = <T,>(list: readonly T[], step: number): T => list[(i * step) % list.length]!;
      const maybe = <T,>(value: T, step: number): T | null => ((i * step) % 5 === 0 ? null : value);
      const event: AuditEvent = {
        time: pick(STRINGS, 1),
        requestId: i % 3 === 0 ? null : i % 3 === 1 ? pick(STRINGS, 3) : pick(NUMBERS, 5),
        tenant: maybe(pick(STRINGS, 7), 3),
        client: maybe(pick(STRINGS, 11), 7),
        apiKeyId: maybe(pick(STRINGS, 13), 11),
        clientAddress: maybe(pick(STRINGS, 37), 31),
        protocolVersion: maybe(pick(STRINGS, 31), 29),
        method: maybe(pick(STRINGS, 17), 13),
        target: i % 4 === 0 ? null : { kind: pick(['tool', 'resource', 'prompt'] as const, 1), name: pick(STRINGS, 19) },
        upstream: maybe(pick(STRINGS, 23), 17),
        item: i % 3 === 0 ? null : { kind: pick(['tool', 'resource', 'prompt'] as const, 2), name: pick(STRINGS, 29) },
        decision: pick(['allowed', 'denied', 'rate_limited', 'auth_failed', 'rejected'] as const, 3),
        status: pick(NUMBERS, 7),
        errorCode: maybe(pick(NUMBERS, 11), 19),
        error: maybe(pick(errors, 13), 23),
        durationMs: pick(NUMBERS, 17),
      };
      const timestamp = pick(STRINGS, 29);
      expect(auditLine(event, timestamp)).toBe(expected(event, timestamp));
    }
  });

  it('gives the same text with the fields it keeps between events, as they repeat and change', () => {
    const write = createAuditLine();
    // Small pools, so that every group of fields is sometimes the same as the event before and
    // sometimes not; each field has an entry that differs from the first in that field alone.
    const who = [['t', 'c', 'k'], ['t2', 'c', 'k'], ['t', 'c2', 'k'], ['t', 'c', 'k2'], [null, null, null], ['t"', 'c', 'k']] as const;
    const tool = { kind: 'tool', name: 'a' } as const;
    const calls = [['tools/call', tool], ['tools/list', tool], ['tools/call', { kind: 'prompt', name: 'a' }], ['tools/call', { kind: 'tool', name: 'b' }], ['tools/call', null], [null, null]] as const;
    const ran = { kind: 'tool', name: 'x' } as const;
    const outcomes = [
      ['u', ran, 'allowed', 200, null, null], [null, ran, 'allowed', 200, null, null], ['u', ran, 'denied', 200, null, null], ['u', ran, 'allowed', 403, null, null],
      ['u', ran, 'allowed', 200, -32000, null], ['u', ran, 'allowed', 200, null, 'FORBIDDEN'], ['u', ran, 'allowed', -0, null, null], ['u', ran, 'allowed', 0, Number.NaN, null],
      ['u', null, 'allowed', 200, null, null], ['u', { kind: 'prompt', name: 'x' }, 'allowed', 200, null, null], ['u', { kind: 'tool', name: 'y' }, 'allowed', 200, null, null],
    ] as const;
    const times = ['2026-01-02T03:04:05.678Z', '2026-01-02T03:04:05.679Z', 'é'];
    // Each pool visited so that every entry follows every entry (a, b for every ordered pair).
    const inPairs = (size: number): number[] => Array.from({ length: size * size }, (_, k) => [Math.floor(k / size), k % size]).flat();
    const [whoOrder, callOrder, outcomeOrder, timeOrder] = [who.length, calls.length, outcomes.length, times.length].map(inPairs);
    let hits = 0;
    let previous: AuditEvent | undefined;
    for (let i = 0; i < 5_000; i++) {
      const [tenant, client, apiKeyId] = who[whoOrder![i % whoOrder!.length]!]!;
      const [method, target] = calls[callOrder![i % callOrder!.length]!]!;
      const [upstream, item, decision, status, errorCode, error] = outcomes[outcomeOrder![i % outcomeOrder!.length]!]!;
      const event: AuditEvent = {
        time: times[timeOrder![i % timeOrder!.length]!]!, requestId: i % 2 ? i : `r${i}`, tenant, client, apiKeyId, clientAddress: Math.floor(i / 250) % 3 === 0 ? null : '10.0.0.1', protocolVersion: i % 7 === 0 ? null : '2025-11-25', method,
        target: target === null ? null : { ...target }, upstream, item: item === null ? null : { ...item }, decision, status, errorCode, error, durationMs: (i % 1000) / 1000,
      };
      if (previous && previous.tenant === tenant && previous.client === client && previous.apiKeyId === apiKeyId && previous.clientAddress === event.clientAddress && previous.protocolVersion === event.protocolVersion) hits++;
      const timestamp = times[timeOrder![(i >> 1) % timeOrder!.length]!]!;
      expect(write(event, timestamp)).toBe(expected(event, timestamp));
      previous = event;
    }
    // The group of who sent it was the same as the event before's for about a sixth of the events.
    expect(hits).toBeGreaterThan(500);
  });

  it('writes durations in thousandths of a millisecond as JSON does, and any other number too', () => {
    const base: AuditEvent = {
      time: 't', requestId: 1, tenant: null, client: null, apiKeyId: null, clientAddress: null, protocolVersion: null, method: null, target: null,
      upstream: null, item: null, decision: 'rejected', status: 400, errorCode: -32600, error: 'INVALID_REQUEST', durationMs: 0,
    };
    const durations = [0.1 + 0.2, 1 / 3, 4503599627370.496, 9007199254740.991, 1e-6, 1e-7, 5e-324, 1e21 + 1, -1.005];
    for (let count = -30_000; count <= 30_000; count += 7) durations.push(count / 1000, Math.round(Math.random() * 1e12) / 1000);
    for (const durationMs of durations) expect(auditLine({ ...base, durationMs }, 'now')).toBe(expected({ ...base, durationMs }, 'now'));
  });

  it('writes every field of an event, in its order', () => {
    const event: AuditEvent = {
      time: '2026-01-02T03:04:05.678Z', requestId: 7, tenant: 't', client: 'c', apiKeyId: 'k', clientAddress: '192.0.2.7', protocolVersion: '2025-11-25', method: 'tools/call',
      target: { kind: 'tool', name: 'a.echo' }, upstream: 'u', item: { kind: 'tool', name: 'echo' }, decision: 'allowed', status: 200, errorCode: null, error: null, durationMs: 0.25,
    };
    expect(Object.keys(JSON.parse(auditLine(event, 'now')) as object)).toEqual(['level', 'message', 'type', ...Object.keys(event), 'timestamp']);
  });
});

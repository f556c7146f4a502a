import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { scanAnswer, type AnswerScan } from '../../src/wire/answer-scan.js';
import { Rng } from '../support/rng.js';

/** What JSON.parse makes of the text: the value, or that it throws. */
function parse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The scan must agree with JSON.parse wherever it gives a verdict of its own. */
function expectAgreement(scanned: AnswerScan, parsed: ReturnType<typeof parse>, text: string): void {
  if (scanned.kind === 'invalid') expect(parsed.ok, text).toBe(false);
  if (scanned.kind === 'response') {
    expect(parsed.ok, text).toBe(true);
    const value = (parsed as { value: Record<string, unknown> }).value;
    expect(typeof value === 'object' && value !== null && !Array.isArray(value), text).toBe(true);
    expect(Object.hasOwn(value, 'method'), text).toBe(false);
    expect(Object.is(value['id'], scanned.id), text).toBe(true);
    // The error code, as the plain way reads it: the top-level error member's integer code.
    const error = value['error'];
    const code = Object.hasOwn(value, 'error') ? (typeof error === 'object' && error !== null && Number.isInteger((error as { code?: unknown }).code) ? (error as { code: number }).code : null) : undefined;
    expect(scanned.errorCode, text).toBe(code);
  }
}

describe('scanAnswer', () => {
  it('reads the id of a response, numbers as JSON.parse reads them', () => {
    expect(scanAnswer('{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"ok"}]}}')).toEqual({ kind: 'response', id: 7 });
    expect(scanAnswer('{"jsonrpc":"2.0","id":"a-1","error":{"code":-32601,"message":"no"}}')).toEqual({ kind: 'response', id: 'a-1', errorCode: -32601 });
    expect(scanAnswer('{"jsonrpc":"2.0","id":2,"error":{"message":"no code"}}')).toEqual({ kind: 'response', id: 2, errorCode: null });
    expect(scanAnswer('{"jsonrpc":"2.0","id":3,"error":"text","result":{"error":{"code":1}}}')).toEqual({ kind: 'response', id: 3, errorCode: null });
    expect(scanAnswer('{"jsonrpc":"2.0","id":4,"result":{"error":{"code":1}}}')).toEqual({ kind: 'response', id: 4, errorCode: undefined });
    expect(scanAnswer(' {"id" : -1.5e+2 , "result" : [ ] } ')).toEqual({ kind: 'response', id: -150 });
    expect(scanAnswer('{"id":-0,"result":1}')).toEqual({ kind: 'response', id: -0 });
    expect(scanAnswer('{"id":1e400,"result":1}')).toEqual({ kind: 'response', id: Number.POSITIVE_INFINITY });
    expect(scanAnswer('{"result":"a \\" quote, a \\\\ backslash, \\u00e9","id":3}')).toEqual({ kind: 'response', id: 3 });
  });

  it('reads keys as JSON.parse does: the last of a repeated key wins, and an escaped one is left to it', () => {
    expect(scanAnswer('{"id":5,"result":{},"id":6}')).toEqual({ kind: 'response', id: 6 });
    expect(scanAnswer('{"\\u0069d":5,"result":{}}')).toEqual({ kind: 'other' });
    expect(scanAnswer('{"id":5,"result":{},"i\\u0064":"x"}')).toEqual({ kind: 'other' });
    // A key that only looks like "id" once inside another object is not the top-level id.
    expect(scanAnswer('{"result":{"id":5}}').kind).toBe('other');
  });

  it('leaves to the full parse what it does not judge: methods, batches, odd ids, control characters, depth', () => {
    for (const text of [
      '{"jsonrpc":"2.0","id":1,"method":"sampling/createMessage","params":{}}',
      '{"jsonrpc":"2.0","id":1,"m\\u0065thod":"x"}',
      '{"jsonrpc":"2.0","method":"notifications/progress","params":{}}',
      '[{"id":1,"result":{}}]',
      '{"id":null,"error":{"code":-32700,"message":"x"}}',
      '{"id":"\\u00e9","result":{}}',
      '{"id":"é","result":{}}',
      '{"result":{}}',
      '{\n  "id": 1,\n  "result": {}\n}',
      '{"id":1,"result":"tab\there"}',
      `{"id":1,"result":${'['.repeat(100)}${']'.repeat(100)}}`,
      '"text"',
      '12',
    ]) {
      expect(scanAnswer(text), text).toEqual({ kind: 'other' });
    }
  });

  it('finds what is not JSON', () => {
    for (const text of [
      '',
      ' ',
      '{',
      '{"id":1,"result":{}',
      '{"id":1,"result":{}}}',
      '{"id":1,"result":{},}',
      '{"id":01,"result":1}',
      '{"id":1.,"result":1}',
      '{"id":.5,"result":1}',
      '{"id":+1,"result":1}',
      '{"id":1e,"result":1}',
      '{"id":1,"result":tru}',
      '{"id":1,"result":"\\x"}',
      '{"id":1,"result":"\\u12g4"}',
      '{"id":1,"result":"open}',
      "{'id':1}",
      '{"id":1 "result":1}',
      '{"id":1,"result":[1,]}',
      '{id:1}',
      '\ufeff{"id":1,"result":1}',
      '{"id":1,"result":1} x',
    ]) {
      expect(scanAnswer(text), text).toEqual({ kind: 'invalid' });
      expect(parse(text).ok, text).toBe(false);
    }
  });

  it('agrees with JSON.parse on 30,000 generated and mutated texts, and judges the plain responses itself', () => {
    const rng = new Rng(20261125);
    let judged = 0;
    for (let i = 0; i < 30_000; i++) {
      const valid = generatedResponse(rng);
      const text = rng.chance(0.5) ? valid : mutate(rng, valid);
      const scanned = scanAnswer(text);
      const parsed = parse(text);
      expectAgreement(scanned, parsed, text);
      if (text === valid) {
        // A generated response has a plain id and no method: the scan must read it itself.
        expect(scanned.kind, text).toBe('response');
        judged++;
      } else if (!parsed.ok && !/[\u0000-\u001f]/.test(text)) {
        // Invalid text without control characters, shallow as generated: the scan says so itself.
        expect(scanned.kind, text).toBe('invalid');
      }
    }
    expect(judged).toBeGreaterThan(10_000);
  });

  it('gives the same verdict for bytes read as latin1 as JSON.parse gives for them read as UTF-8', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 20_000; i++) {
      const bytes = Buffer.from(generatedResponse(rng), 'utf8');
      // Bytes changed at random: broken UTF-8 sequences, stray high bytes, quotes, braces.
      for (let n = rng.int(3); n > 0; n--) bytes[rng.int(bytes.length)] = rng.chance(0.5) ? 0x80 + rng.int(0x80) : rng.pick([0x22, 0x5c, 0x7b, 0x7d, 0x2c, 0x3a]);
      const scanned = scanAnswer(bytes.toString('latin1'));
      const parsed = parse(bytes.toString('utf8'));
      expectAgreement(scanned, parsed, bytes.toString('utf8'));
      if (!parsed.ok && scanned.kind === 'other') expect(/[\u0000-\u001f]/.test(bytes.toString('latin1'))).toBe(true);
    }
  });
});

const WORDS = ['ok', 'text', 'é', '日本', '💥', 'a "quote"', 'back\\slash', 'line\nbreak', 'tab\t', '\u0001', '\u2028', '\ud800', '/', ''];
const KEYS = ['content', 'type', 'text', 'isError', 'structuredContent', '__proto__', 'constructor', 'id', 'method', 'é'];

/** A JSON value of a tool result's kind, as an SDK server's JSON.stringify writes it. */
function generatedValue(rng: Rng, depth: number): unknown {
  const r = rng.next();
  if (depth > 4 || r < 0.35) return rng.pick<unknown>([null, true, false, 0, -1, 1.5, -2.5e-7, 1e21, 123456789, rng.pick(WORDS), 'x'.repeat(rng.int(300))]);
  if (r < 0.55) return Array.from({ length: rng.int(4) }, () => generatedValue(rng, depth + 1));
  const out: Record<string, unknown> = {};
  for (let n = rng.int(5); n > 0; n--) Object.defineProperty(out, rng.pick(KEYS), { value: generatedValue(rng, depth + 1), enumerable: true, configurable: true, writable: true });
  return out;
}

/** A response (plain string or number id, no method) as text, sometimes with spaces between tokens. */
function generatedResponse(rng: Rng): string {
  const id = rng.chance(0.5) ? rng.int(1e6) : `req-${rng.int(1e6)}`;
  const body = rng.chance(0.8) ? { jsonrpc: '2.0', id, result: generatedValue(rng, 1) } : { jsonrpc: '2.0', id, error: { code: -32000 - rng.int(100), message: rng.pick(WORDS) } };
  const text = JSON.stringify(body);
  return rng.chance(0.2) ? text.replace(/([,:{}[\]])/g, (token) => (rng.chance(0.3) ? ` ${token} ` : token)) : text;
}

/** The text with a few characters deleted, doubled or replaced by ones that matter to JSON. */
function mutate(rng: Rng, text: string): string {
  let out = text;
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const at = rng.int(out.length + 1);
    const kind = rng.int(3);
    const char = rng.pick(['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '-', '.', 'e', 'u', 'n', 't', '\n', '\u0000', 'é']);
    if (kind === 0) out = out.slice(0, at) + out.slice(at + 1);
    else if (kind === 1) out = out.slice(0, at) + char + out.slice(at);
    else out = out.slice(0, at) + char + out.slice(at + 1);
  }
  return out;
}

// Two gateways in one process share nothing: each holds its SSE answers of a turn of the event
// loop in its own batch (wire/answer.ts, HeldAnswers on the runtime), with one timer a turn for
// that gateway's answers. Closing one gateway while the other is in the middle of an answer
// leaves that answer and that gateway alone.
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GatewayOptions } from '@gw/core';
import { HeldAnswers, SseAnswer } from '../../src/wire/answer.js';
import { startFakeMcp, textResult, type FakeMcp } from '../support/fake-mcp.js';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';

/** A ServerResponse as far as SseAnswer uses it, recording what was written. */
class FakeResponse {
  destroyed = false;
  writableEnded = false;
  writableNeedDrain = false;
  headersSent = false;
  head: Record<string, string> | undefined;
  readonly written: string[] = [];
  once(): this {
    return this;
  }
  writeHead(_status: number, head: Record<string, string>): this {
    this.headersSent = true;
    this.head = head;
    return this;
  }
  write(chunk: string | Uint8Array): boolean {
    this.written.push(String(chunk));
    return true;
  }
  end(chunk?: string | Uint8Array): this {
    if (chunk !== undefined) this.written.push(String(chunk));
    this.writableEnded = true;
    return this;
  }
}

function sseAnswer(turn: HeldAnswers): { answer: SseAnswer; res: FakeResponse } {
  const res = new FakeResponse();
  return { answer: new SseAnswer(res as unknown as ServerResponse, {}, true, turn), res };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('HeldAnswers: the SSE answers of one turn, per gateway', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('sets one timer a turn for each gateway, and opens only its own answers after the turn', async () => {
    const one = new HeldAnswers();
    const two = new HeldAnswers();
    const immediate = vi.spyOn(globalThis, 'setImmediate');
    const ofOne = [sseAnswer(one), sseAnswer(one), sseAnswer(one)];
    const ofTwo = [sseAnswer(two), sseAnswer(two)];
    for (const [index, { answer }] of [...ofOne, ...ofTwo].entries()) answer.event({ data: `{"n":${index}}` });
    // Complete within the turn: goes whole, with its length, and needs nothing from the timer.
    ofOne[2]!.answer.end();
    ofTwo[1]!.answer.end();
    expect(immediate).toHaveBeenCalledTimes(2);
    expect(ofOne[0]!.res.headersSent).toBe(false);
    expect(ofTwo[0]!.res.headersSent).toBe(false);
    expect(ofOne[2]!.res.head?.['content-length']).toBe(String(Buffer.byteLength('data: {"n":2}\n\n')));
    immediate.mockRestore();

    await nextTurn();
    // The answers still going became streams, each with what it held, and no length.
    for (const [index, { res }] of [ofOne[0]!, ofOne[1]!, ofTwo[0]!].entries()) {
      expect(res.headersSent).toBe(true);
      expect(res.head?.['content-length']).toBeUndefined();
      expect(res.written).toEqual([`data: {"n":${[0, 1, 3][index]}}\n\n`]);
    }
    // A later event of a stream goes out at once; a new first event starts a new turn of its own gateway only.
    const spy = vi.spyOn(globalThis, 'setImmediate');
    ofOne[0]!.answer.event({ data: '{"later":true}' });
    expect(ofOne[0]!.res.written).toEqual(['data: {"n":0}\n\n', 'data: {"later":true}\n\n']);
    const fresh = sseAnswer(two);
    fresh.answer.event({ data: '{}' });
    expect(spy).toHaveBeenCalledTimes(1);
    await nextTurn();
    expect(fresh.res.headersSent).toBe(true);
  });
});

describe('two gateways in one process', () => {
  const KEY = 'two-gateways-key';
  const HEADERS = { 'x-api-key': KEY };
  let upstream: FakeMcp;
  /** Ends the upstream's held calls: each writes its response and ends. */
  const release = new Set<() => void>();
  let one: RunningGateway;
  let two: RunningGateway;

  beforeAll(async () => {
    // "slow" sends a notification at once and its response when released; anything else answers at once.
    upstream = await startFakeMcp((call, _req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (call.name !== 'slow') return void res.end(`event: message\ndata: ${textResult(call.id, 'quick')}\n\n`);
      res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'started' } })}\n\n`);
      const finish = (): void => {
        release.delete(finish);
        res.end(`event: message\ndata: ${textResult(call.id, 'slow done')}\n\n`);
      };
      release.add(finish);
    });
    const options: GatewayOptions = {
      auth: { apiKeys: [{ key: KEY, tenant: 't' }] },
      policy: { rules: [{ allow: { methods: ['*'], tools: ['*'] } }] },
      upstreams: [{ name: 'fake', url: upstream.url, timeoutMs: 10_000 }],
      routing: [{ match: { tool: '*' }, upstream: 'fake' }],
    };
    [one, two] = await Promise.all([startGateway(options), startGateway(options)]);
  });

  afterAll(async () => {
    for (const finish of [...release]) finish();
    await Promise.all([one?.close(), two?.close()]);
    await upstream?.close();
  });

  /** Starts a tools/call on an SSE answer and returns once its first event arrived: the answer is past its first turn, a stream. */
  async function startSlowCall(gw: RunningGateway, session: string, id: number): Promise<{ response: Response; rest: Promise<string>; first: string }> {
    const response = await fetch(gw.url, {
      method: 'POST',
      headers: { ...HEADERS, 'mcp-session-id': session, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', arguments: {} } }),
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let first = '';
    while (!first.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      first += decoder.decode(value, { stream: true });
    }
    const rest = (async () => {
      let text = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    })();
    return { response, rest, first };
  }

  it("closing one while the other is in the middle of an SSE answer leaves the other's answer and its later ones whole", async () => {
    const [sessionOne, sessionTwo] = await Promise.all([openSession(one.url, HEADERS), openSession(two.url, HEADERS)]);
    const [onOne, onTwo] = await Promise.all([startSlowCall(one, sessionOne, 1), startSlowCall(two, sessionTwo, 2)]);
    for (const call of [onOne, onTwo]) {
      expect(call.response.status).toBe(200);
      // Past its first turn: a stream with no length, its first event out before the answer is complete.
      expect(call.response.headers.get('content-length')).toBeNull();
      expect(call.first).toContain('"started"');
    }
    expect(release.size).toBe(2);

    // The first gateway closes without waiting for its answer, which is cut.
    await one.close();
    await onOne.rest;
    const refused = await fetch(one.url, { method: 'POST' }).catch(() => undefined);
    expect(refused?.ok ?? false).toBe(false);

    // The second one's answer is where it was: it still ends with its response.
    for (const finish of [...release]) finish();
    const rest = await onTwo.rest;
    expect(rest).toContain('"id":2');
    expect(rest).toContain('slow done');

    // And the second gateway answers on, an SSE answer complete within its turn going whole with its length.
    const quick = await post(two.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'quick', arguments: {} } }, { ...HEADERS, 'mcp-session-id': sessionTwo });
    expect(quick.status).toBe(200);
    expect(quick.headers.get('content-type')).toContain('text/event-stream');
    expect(quick.headers.get('content-length')).toBe(String(Buffer.byteLength(quick.text)));
    expect(quick.text).toContain('quick');
  });
});

import { randomBytes } from 'node:crypto';
import type { Denial, JsonRpcId, Subject } from '@gw/core';
import { deny, extend, forStatelessEra, statelessErrorCode } from '@gw/core/internal';
import type { Answer } from '../wire/answer.js';
import { Departure } from '../wire/departure.js';
import type { SseEvent } from '../wire/sse.js';

/** What a session-based upstream may ask a client mid-call; a stateless client is asked through input_required. */
const INPUT_METHODS: ReadonlySet<string> = new Set(['elicitation/create', 'sampling/createMessage', 'roots/list']);

/** Events held for a parked call while no client request is attached to it. */
const MAX_HELD_EVENTS = 256;

/** How a call attached to a client request ended for that request. */
export type Settled = { kind: 'complete'; failure: Denial | undefined } | { kind: 'suspended' };

/**
 * A stateless client's call to a session-based upstream that asked for input mid-call
 * (elicitation, sampling, roots). The upstream's request stays open; the client's request is
 * answered `input_required` with a `requestState` naming this call, and the client's retry
 * (with `inputResponses`) is attached to it: the answers go to the upstream as responses to its
 * requests, and the rest of the call's answer goes to the retry. One call may ask several times.
 */
export class ParkedCall implements Answer {
  readonly token = randomBytes(18).toString('base64url');
  /** Aborts the upstream request when the call is abandoned. */
  readonly departure = new Departure();
  private target: Answer | undefined;
  private clientId: JsonRpcId;
  private held: [SseEvent, unknown][] = [];
  private inputs = new Map<string, { method: string; params: unknown; id: JsonRpcId }>();
  private settle: ((settled: Settled) => void) | undefined;
  private finished: Denial | undefined | null = null;
  private suspendScheduled = false;

  constructor(
    readonly subject: Subject,
    readonly upstream: string,
    /** The id the upstream knows the call by. */
    private readonly upstreamId: JsonRpcId,
    private readonly resultDefaults: Record<string, unknown>,
    target: Answer,
    clientId: JsonRpcId,
  ) {
    this.target = target;
    this.clientId = clientId;
  }

  get gone(): boolean {
    return this.target?.gone ?? false;
  }

  get streams(): boolean {
    return true;
  }

  get congested(): boolean {
    return this.target?.congested ?? false;
  }

  onceDrained(resume: () => void): void {
    if (this.target) this.target.onceDrained(resume);
    else resume();
  }

  /** Resolves when the attached request is answered: the call completed, or it needs input. */
  settled(): Promise<Settled> {
    if (this.finished !== null) return Promise.resolve({ kind: 'complete', failure: this.finished });
    return new Promise((resolve) => (this.settle = resolve));
  }

  /** The upstream's answer ended (the forward resolved), with how it failed, if it did. */
  finish(failure: Denial | undefined): void {
    this.finished = failure;
    if (this.target) this.resolve({ kind: 'complete', failure });
  }

  /** The upstream's requests an input round answers, by the key the client answers under. */
  take(key: string): { id: JsonRpcId } | undefined {
    const input = this.inputs.get(key);
    if (input) this.inputs.delete(key);
    return input;
  }

  /** Attaches a client's retry: what the call sent meanwhile goes to it, and the rest as it comes. */
  attach(target: Answer, clientId: JsonRpcId): void {
    this.target = target;
    this.clientId = clientId;
    const held = this.held;
    this.held = [];
    for (const [event, message] of held) this.event(event, message);
    if (this.finished !== null && this.target === target) this.resolve({ kind: 'complete', failure: this.finished });
  }

  event(upstreamEvent: SseEvent, message: unknown): void {
    // The revision of a stateless client has no resumption: no event ids, no retry hints, and so
    // no priming event (an id with empty data) for it to resume from (2026-07-28 changelog, major
    // change 9). What reaches it is the upstream's messages and nothing else.
    if (upstreamEvent.data.trim() === '') return;
    const event: SseEvent = upstreamEvent.event === undefined ? { data: upstreamEvent.data } : { event: upstreamEvent.event, data: upstreamEvent.data };
    const record = message as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown } | null;
    if (typeof record === 'object' && record !== null && typeof record.method === 'string' && INPUT_METHODS.has(record.method) && (typeof record.id === 'string' || typeof record.id === 'number')) {
      this.inputs.set(`input-${this.inputs.size}-${String(record.id)}`, { method: record.method, params: record.params, id: record.id });
      // Requests sent together are asked together.
      if (!this.suspendScheduled) {
        this.suspendScheduled = true;
        setImmediate(() => this.suspend());
      }
      return;
    }
    if (!this.target) {
      if (this.held.length < MAX_HELD_EVENTS) this.held.push([event, message]);
      return;
    }
    if (typeof record === 'object' && record !== null && record.method === undefined && record.id === this.upstreamId) {
      const result = typeof record.result === 'object' && record.result !== null ? extend(this.resultDefaults, record.result) : record.result;
      const renamed = result === undefined ? { ...record, id: this.clientId, ...statelessError(record.error) } : { ...record, id: this.clientId, result };
      this.target.event({ ...event, data: JSON.stringify(renamed) }, renamed);
      return;
    }
    this.target.event(event, message);
  }

  fail(_id: JsonRpcId | null, denial: Denial): void {
    if (this.target) this.target.fail(this.clientId, forStatelessEra(denial));
  }

  end(): void {}

  /** Answers the attached request input_required and detaches it; the call waits for the retry. */
  private suspend(): void {
    this.suspendScheduled = false;
    const target = this.target;
    if (!target || this.inputs.size === 0) return;
    const inputRequests = Object.fromEntries([...this.inputs].map(([key, input]) => [key, { method: input.method, params: input.params }]));
    const response = { jsonrpc: '2.0', id: this.clientId, result: { resultType: 'input_required', inputRequests, requestState: this.token } };
    target.event({ data: JSON.stringify(response) }, response);
    this.target = undefined;
    this.resolve({ kind: 'suspended' });
  }

  private resolve(settled: Settled): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(settled);
  }
}

/** An upstream's error object with the code a stateless client may receive (see statelessErrorCode); nothing when it has none. */
function statelessError(error: unknown): { error?: unknown } {
  if (typeof error !== 'object' || error === null) return {};
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && statelessErrorCode(code) !== code ? { error: { ...error, code: statelessErrorCode(code) } } : {};
}

/** The calls of one gateway waiting for a stateless client's retry, by requestState. */
export class ParkedCalls {
  private readonly calls = new Map<string, { call: ParkedCall; timer: NodeJS.Timeout }>();

  /** Keeps a suspended call for `timeoutMs`; past that it is abandoned and its upstream request aborted. */
  park(call: ParkedCall, timeoutMs: number): void {
    const timer = setTimeout(() => {
      this.calls.delete(call.token);
      call.departure.leave();
    }, timeoutMs);
    timer.unref();
    this.calls.set(call.token, { call, timer });
  }

  /** The call a retry names, if it is parked here for this subject; it is no longer parked. */
  take(requestState: unknown, subject: Subject): ParkedCall | Denial | undefined {
    if (typeof requestState !== 'string') return undefined;
    const entry = this.calls.get(requestState);
    if (!entry) return undefined;
    const { call } = entry;
    if (call.subject.tenant !== subject.tenant || call.subject.client !== subject.client || call.subject.apiKeyId !== subject.apiKeyId) {
      return deny('INVALID_PARAMS', 'params.requestState names no call of this caller');
    }
    clearTimeout(entry.timer);
    this.calls.delete(requestState);
    return call;
  }
}

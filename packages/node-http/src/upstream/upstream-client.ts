import type { IncomingHttpHeaders } from 'node:http';
import type { Denial, ResolvedUpstream } from '@gw/core';
import { deny } from '@gw/core/internal';
import { Pool, type Dispatcher } from 'undici';

/** What the gateway sends one upstream. */
export interface UpstreamRequest {
  method: 'POST' | 'GET' | 'DELETE';
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Aborted when the client goes away, so the upstream stops working for no one. */
  signal?: AbortSignal;
  /** Overrides the upstream's timeoutMs (health checks use a short one). */
  timeoutMs?: number;
  /**
   * A long-lived stream (a GET stream, a listen): silence between events is normal, so only the
   * headers are timed; it goes over the upstream's stream connections, never those of calls.
   */
  stream?: boolean;
  /** A health probe: over a connection of its own, so busy pools never delay /health. */
  probe?: boolean;
}

/** Receives an upstream's answer as it arrives: exactly one of end() and error() ends it. */
export interface ExchangeSink {
  start(status: number, headers: IncomingHttpHeaders): void;
  data(chunk: Buffer): void;
  end(): void;
  error(error: Error): void;
}

/** An upstream request in progress. */
export interface Exchange {
  /** Stops it (the client went away): the sink hears nothing more. */
  abort(): void;
  /** Stops reading the answer while the client cannot take more. */
  pause(): void;
  resume(): void;
}

/** One upstream: its connection pool and how to reach it. */
export interface UpstreamClient {
  readonly name: string;
  readonly timeoutMs: number;
  /** Largest answer the gateway holds whole (upstreams[].maxResponseBytes). */
  readonly maxResponseBytes: number;
  /** The gateway's own credential for this upstream, as a header pair. */
  readonly credential: readonly [string, string] | undefined;
  /** Streams this upstream may have open at once (upstreams[].maxStreams). */
  readonly maxStreams: number;
  /** Streams open to it now. */
  readonly openStreams: number;
  /**
   * Takes one of the upstream's stream places, before a stream is opened to it: a function that
   * gives it back (once, however often called), or undefined when all are taken.
   */
  takeStream(): (() => void) | undefined;
  request(request: UpstreamRequest): Promise<Dispatcher.ResponseData>;
  /**
   * The same request with the answer delivered to callbacks as it arrives: the data plane's
   * path, which needs neither a body stream nor an AbortSignal per request.
   */
  exchange(request: Omit<UpstreamRequest, 'signal'>, sink: ExchangeSink): Exchange;
  close(): Promise<void>;
}

/** The code of the error for an answer whose headers did not come within timeoutMs, waiting for a connection included. */
const DEADLINE = 'GW_UPSTREAM_DEADLINE';

/** The error a request past its deadline fails with; upstreamFailure makes it UPSTREAM_TIMEOUT. */
export function deadlineError(): Error {
  return Object.assign(new Error('no answer within timeoutMs (time waiting for a connection included)'), { code: DEADLINE });
}

/**
 * How long an idle connection to an upstream is kept for reuse. A message sent on a connection
 * the upstream has just closed as idle fails (UND_ERR_SOCKET, 502) and cannot be resent safely (it
 * may have been a tools/call), so the gateway lets connections go well before the upstream would:
 * 3 s before the end the upstream announces (`Keep-Alive: timeout=5` from Node, so after 2 s),
 * covering a busy event loop whose idle timers fire late, and after 2 s when it announces nothing
 * (uvicorn and others close after 5 s without saying so). Under load connections never idle that
 * long; when idle, a new connection costs one loopback or LAN handshake.
 */
const KEEP_ALIVE = { pipelining: 1, keepAliveTimeout: 2_000, keepAliveTimeoutThreshold: 3_000 } as const;

/**
 * Three sets of keep-alive connections per upstream, created once (the URL in the configuration
 * is the only place the gateway ever connects to): one for calls (upstreams[].maxConnections),
 * one for long-lived streams (upstreams[].maxStreams, never more streams than connections, so
 * a stream never queues and streams never take a connection a call needs), and one connection
 * for health probes. timeoutMs bounds the wait for response headers, time spent waiting for a
 * connection included, and every silence between body chunks (a stalled answer), not a
 * stream's total length.
 */
export function createUpstreamClient(upstream: ResolvedUpstream): UpstreamClient {
  const url = new URL(upstream.url);
  const calls = new Pool(url.origin, { connections: upstream.maxConnections, ...KEEP_ALIVE });
  const streams = new Pool(url.origin, { connections: upstream.maxStreams, ...KEEP_ALIVE });
  const probes = new Pool(url.origin, { connections: 1, ...KEEP_ALIVE });
  const path = `${url.pathname}${url.search}`;
  const credential = upstream.auth ? ([upstream.auth.apiKey.header.toLowerCase(), upstream.auth.apiKey.value] as const) : undefined;
  let openStreams = 0;
  return {
    name: upstream.name,
    timeoutMs: upstream.timeoutMs,
    maxResponseBytes: upstream.maxResponseBytes,
    credential,
    maxStreams: upstream.maxStreams,
    get openStreams() {
      return openStreams;
    },
    takeStream() {
      if (openStreams >= upstream.maxStreams) return undefined;
      openStreams++;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        openStreams--;
      };
    },
    request({ method, headers, body, signal, timeoutMs = upstream.timeoutMs, stream = false, probe = false }) {
      // undici times the headers from when the request is written, and acts on an abort only
      // then too: a request waiting for a connection (or for one to open) would wait unbounded.
      // So the headers are awaited here for timeoutMs in all; the abort then drops the request
      // from the queue (or cuts it off) whenever undici gets to it.
      const deadline = new AbortController();
      const options: Dispatcher.RequestOptions = {
        path,
        method,
        headers,
        headersTimeout: timeoutMs,
        bodyTimeout: stream ? 0 : timeoutMs,
        signal: signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal,
      };
      if (body !== undefined) options.body = body;
      const pool = probe ? probes : stream ? streams : calls;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const error = deadlineError();
          deadline.abort(error);
          reject(error);
        }, timeoutMs);
        const aborted = (): void => {
          clearTimeout(timer);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', aborted, { once: true });
        pool.request(options).then(
          (response) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', aborted);
            resolve(response);
          },
          (error: unknown) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', aborted);
            reject(error);
          },
        );
      });
    },
    exchange({ method, headers, body, timeoutMs = upstream.timeoutMs, stream = false }, sink) {
      const exchange = new DispatchedExchange(sink);
      const options: Dispatcher.DispatchOptions = { path, method, headers, headersTimeout: timeoutMs, bodyTimeout: stream ? 0 : timeoutMs };
      if (body !== undefined) options.body = body;
      (stream ? streams : calls).dispatch(options, exchange);
      exchange.dispatching = false;
      // Not started yet: undici writes a request on a later turn, and times its headers only
      // from then, so time waiting for a connection (all busy, or one being opened) is timed
      // here. In practice every request gets this timer: one per request measured cheaper in the
      // benchmark than one sweep per upstream over a map of waiting exchanges.
      if (exchange.waiting) exchange.expireAfter(timeoutMs);
      return exchange;
    },
    close: async () => {
      await Promise.all([calls.close(), streams.close(), probes.close()]);
    },
  };
}

/**
 * One exchange: undici's handler of its answer and the caller's handle on it, in one object (one
 * allocation per request, where handler and handle as object literals would be a closure per method).
 */
class DispatchedExchange implements Dispatcher.DispatchHandler, Exchange {
  private controller: Dispatcher.DispatchController | undefined;
  private stopped = false;
  /**
   * undici reports a request it refuses outright (a header value with a NUL, a closed pool) from
   * inside dispatch(); the caller has no Exchange yet, so that error waits a microtask.
   */
  dispatching = true;

  /** Set while a request that waited for a connection has no answer yet: its deadline. */
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sink: ExchangeSink) {}

  /** Set once undici has ended the exchange (its answer ended or failed). */
  private ended = false;

  /** Whether the request is still waiting for a connection (undici has neither started nor refused it). */
  get waiting(): boolean {
    return this.controller === undefined && !this.stopped && !this.ended;
  }

  /** Fails the exchange with a timeout unless its answer has begun within `ms`. */
  expireAfter(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped || this.ended) return;
      this.stopped = true;
      const error = deadlineError();
      this.controller?.abort(error);
      this.sink.error(error);
    }, ms);
  }

  private answered(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.stopped) controller.abort(new Error('the client went away'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200) return;
    this.answered();
    if (!this.stopped) this.sink.start(status, headers);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.stopped) this.sink.data(chunk);
  }

  onResponseEnd(): void {
    this.ended = true;
    if (!this.stopped) this.sink.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.ended = true;
    this.answered();
    if (this.stopped) return;
    if (!this.dispatching) return this.sink.error(error);
    queueMicrotask(() => {
      if (!this.stopped) this.sink.error(error);
    });
  }

  abort(): void {
    this.answered();
    if (this.stopped) return;
    this.stopped = true;
    this.controller?.abort(new Error('the client went away'));
  }

  pause(): void {
    this.controller?.pause();
  }

  resume(): void {
    this.controller?.resume();
  }
}

/** Maps a failed upstream exchange to the wire error: 504 for a timeout, 502 for the rest. */
export function upstreamFailure(name: string, error: unknown): Denial {
  const code = (error as { code?: string } | null)?.code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === DEADLINE) {
    return deny('UPSTREAM_TIMEOUT', `upstream "${name}" did not answer in time`);
  }
  const reason = code || (error instanceof Error ? error.message : 'unknown error');
  return deny('UPSTREAM_UNREACHABLE', `upstream "${name}" could not be reached (${reason})`);
}

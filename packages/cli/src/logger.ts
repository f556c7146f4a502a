import { Writable } from 'node:stream';
import type { AuditEvent, LOG_LEVELS } from '@gw/core';
import { createRedactor, cutText, IsoClock, MAX_LOG_TEXT } from '@gw/core/internal';
import type { GatewayLogger } from '@gw/node-http';
import winston from 'winston';
import { createAuditLine } from './audit-line.js';
import type { TextSink } from './io.js';

/** Winston's npm levels, as `logging.level` names them. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The logger the gateway calls (message first, fields second: winston's interface, narrowed). */
export type { GatewayLogger };

/** JSON-lines logging for `run`: the gateway's logger plus the CLI's own lines. */
export interface CliLogger extends GatewayLogger {
  /** Logs at any npm level, subject to `logging.level`. */
  log(level: LogLevel, message: string, meta?: Record<string, unknown>): void;
  /** Whether lines at `level` are written, so costly metadata is built only when it is. */
  isLevelEnabled(level: LogLevel): boolean;
  /**
   * Writes an info line whatever `logging.level` says: the startup and shutdown lines and audit
   * events, which an operator must see even with `level: error`.
   */
  always(message: string, meta?: Record<string, unknown>): void;
  /** Writes one audit event as an info line with `type: "audit"`, whatever `logging.level` says. */
  audit(event: AuditEvent): void;
  /** Waits until every line so far is handed to the sink; lines after it are dropped. */
  flush(): Promise<void>;
}

/** The fields of an audit event; a field added to AuditEvent must be added here (the compiler says so). */
const EVENT_FIELDS: Readonly<Record<keyof AuditEvent, true>> = {
  time: true, requestId: true, tenant: true, client: true, apiKeyId: true, clientAddress: true, protocolVersion: true, method: true, target: true,
  upstream: true, item: true, decision: true, status: true, errorCode: true, error: true, durationMs: true,
};

/** Every property name an audit line can hold: the event's, its target's and item's, and the line's own. */
const AUDIT_FIELDS: ReadonlySet<string> = new Set([...Object.keys(EVENT_FIELDS), 'kind', 'name', 'level', 'message', 'type', 'timestamp'].map((key) => key.toLowerCase()));

/** How lines are written: one JSON object per line, or one human-readable line each. */
export type LogFormat = 'json' | 'pretty';

/** The formats `--log-format` and MCP_GATEWAY_LOG_FORMAT take. */
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** What createCliLogger needs. */
export interface CliLoggerOptions {
  level: LogLevel;
  /** `json` (the default): JSON lines, for collectors. `pretty`: `HH:MM:SS.mmm LEVEL message key=value…`, for a person at a terminal. */
  format?: LogFormat;
  /** Keys whose values become `[REDACTED]`, at any depth, in every line (meta included). */
  redactKeys: readonly string[];
  sink: TextSink;
}

/** A winston transport onto a TextSink; each line is handed over synchronously, so none waits in a buffer at exit. */
function sinkTransport(sink: TextSink): winston.transport {
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      sink.write(String(chunk));
      done();
    },
  });
  return new winston.transports.Stream({ stream, eol: '\n' });
}

/**
 * Builds the CLI's logger: winston, one JSON object per line, a `timestamp` on each, and every
 * line (its metadata included) passed through core's redactor before it is serialized.
 */
export function createCliLogger(options: CliLoggerOptions): CliLogger {
  // Every string in a line is cut past MAX_LOG_TEXT characters: no request makes a line unbounded.
  const redact = createRedactor(options.redactKeys, { maxText: MAX_LOG_TEXT });
  const auditRedacts = options.redactKeys.some((key) => AUDIT_FIELDS.has(key.toLowerCase()));
  const redaction = winston.format((info) => {
    // The redactor copies string keys only; winston's own fields live under symbols, so the
    // redacted copy is written back onto the same object.
    const copy = redact({ ...info }) as Record<string, unknown>;
    for (const key of Object.keys(info)) if (key !== 'level' && key !== 'message') info[key] = copy[key];
    if (typeof info.message === 'string') info.message = cutText(info.message, MAX_LOG_TEXT);
    return info;
  });
  const pretty = options.format === 'pretty';
  const prettyFormat = winston.format.printf((info) => prettyText(info as Record<string, unknown>));
  const format = winston.format.combine(winston.format.timestamp(), redaction(), pretty ? prettyFormat : winston.format.json());
  const leveled = winston.createLogger({ levels: winston.config.npm.levels, level: options.level, format, transports: [sinkTransport(options.sink)] });
  let flushed: Promise<void> | undefined;
  const auditLine = createAuditLine();
  // The time of audit and `always` lines: this logger's own clock, which keeps the current second's text.
  const clock = new IsoClock();
  let auditLines: string[] = [];
  const writeAuditLines = (): void => {
    if (auditLines.length === 0) return;
    // An empty last line, so that the joined text ends with a line break too.
    auditLines.push('');
    const text = auditLines.join('\n');
    auditLines = [];
    options.sink.write(text);
  };
  const write = (logger: winston.Logger, level: LogLevel, message: string, meta?: Record<string, unknown>): void => {
    // After flush the loggers are ended; a late line (a second signal) is dropped, not an error.
    if (!flushed) logger.log(level, message, meta ?? {});
  };
  return {
    error: (message, meta) => write(leveled, 'error', message, meta),
    warn: (message, meta) => write(leveled, 'warn', message, meta),
    info: (message, meta) => write(leveled, 'info', message, meta),
    debug: (message, meta) => write(leveled, 'debug', message, meta),
    log: (level, message, meta) => write(leveled, level, message, meta),
    isLevelEnabled: (level) => leveled.isLevelEnabled(level),
    audit: (event) => {
      if (flushed) return;
      // An audit event's fields are fixed and hold no secret (the key's id, never the key): it is
      // serialized as it is, unless an operator listed one of its field names in redactKeys.
      const text = pretty
        ? prettyAudit(auditRedacts ? (redact({ ...event }) as unknown as AuditEvent) : event, clock.text())
        : auditRedacts
          ? JSON.stringify(redact({ level: 'info', message: 'audit', type: 'audit', ...event, timestamp: clock.text() }))
          : auditLine(event, clock.text());
      // The lines written together leave in one write, once the code writing them is done: the
      // gateway hands over the events of one turn of the event loop in one go, after that turn.
      if (auditLines.push(text) === 1) queueMicrotask(writeAuditLines);
    },
    always: (message, meta) => {
      // Audit writes one of these per message: a JSON line straight to the sink costs a few
      // microseconds where winston's formats and streams cost tens, on every request.
      if (flushed) return;
      const line = redact({ level: 'info', message, ...meta, timestamp: clock.text() }) as Record<string, unknown>;
      options.sink.write(`${pretty ? prettyText(line) : JSON.stringify(line)}\n`);
    },
    flush: () => {
      writeAuditLines();
      return (flushed ??= endLogger(leveled));
    },
  };
}

/** The fields a pretty line shows in its head, not as `key=value`. */
const HEAD_FIELDS: ReadonlySet<string> = new Set(['level', 'message', 'timestamp', 'event']);

/** `2026-01-02T03:04:05.678Z` as `03:04:05.678`: the time of day, in UTC like the JSON lines. */
function timeOfDay(timestamp: unknown): string {
  return typeof timestamp === 'string' && timestamp.length >= 23 ? timestamp.slice(11, 23) : String(timestamp ?? '');
}

/** A value as `key=value` shows it: plain words as they are, anything else as JSON. */
function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One log line for a person: `03:04:05.678 WARN  upstream failed upstream=kb error="…"`. */
function prettyText(line: Record<string, unknown>): string {
  const fields = Object.keys(line)
    .filter((key) => !HEAD_FIELDS.has(key) && line[key] !== undefined)
    .map((key) => ` ${key}=${fieldText(line[key])}`)
    .join('');
  return `${timeOfDay(line['timestamp'])} ${String(line['level']).toUpperCase().padEnd(5)} ${String(line['message'])}${fields}`;
}

/** One audit event for a person: `03:04:05.678 AUDIT allowed tools/call tool demo.add -> demo 200 1.2 ms tenant=acme client=ide key=k1 from=10.0.0.7`. */
function prettyAudit(event: AuditEvent, timestamp: string): string {
  const target = event.target ? ` ${event.target.kind} ${fieldText(event.target.name)}` : '';
  const upstream = event.upstream ? ` -> ${fieldText(event.upstream)}` : '';
  const error = event.error ? ` ${event.error}${event.errorCode === null ? '' : ` (${event.errorCode})`}` : '';
  const who = [
    event.tenant === null ? '' : ` tenant=${fieldText(event.tenant)}`,
    event.client === null ? '' : ` client=${fieldText(event.client)}`,
    event.apiKeyId === null ? '' : ` key=${fieldText(event.apiKeyId)}`,
    event.clientAddress === null ? '' : ` from=${event.clientAddress}`,
    event.requestId === null ? '' : ` id=${fieldText(event.requestId)}`,
  ].join('');
  return `${timeOfDay(timestamp)} AUDIT ${event.decision} ${fieldText(event.method ?? '-')}${target}${upstream} ${event.status}${error} ${event.durationMs} ms${who}`;
}

/** Ends a logger and waits (briefly: a stuck sink must not hold the exit) for its lines to drain. */
function endLogger(logger: winston.Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    logger.once('finish', () => {
      clearTimeout(timer);
      // 'finish' is the logger's; its transports finish on the next turn.
      setImmediate(resolve);
    });
    logger.end();
  });
}

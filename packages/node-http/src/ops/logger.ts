/**
 * The logging the gateway needs; winston's logger is one. It lives here, low in the graph, and not
 * in create-gateway.ts: every room logs, and none may import the composition root above it.
 */
export interface GatewayLogger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

/**
 * A logger an app already has, as `GatewayContext.logger` takes it: anything with `error`,
 * `warn`, `info` and `debug` methods. Two calling conventions are told apart:
 *
 * - message first, fields second (`info(message, { upstream })`): winston, `console`, log4js and
 *   most hand-written loggers; called as they are;
 * - fields first, message second (`info({ upstream }, message)`): pino and bunyan (whose types
 *   also take a message first, so they are `AppLogger`s as they are), which would
 *   otherwise take the fields object as a printf argument and drop its fields. Recognised by
 *   pino's `levels.values` and bunyan's `streams` beside a `child` method. Another
 *   fields-first logger is given as a message-first wrapper of it.
 */
export type AppLogger = GatewayLogger;

/** How a fields-first logger (pino, bunyan) is called: pino's and bunyan's types take a message first as well. */
interface FieldsFirstLogger {
  error(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  debug(fields: Record<string, unknown>, message?: string): void;
}

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** Whether a logger takes its fields first: pino (levels.values) and bunyan (streams). */
function takesFieldsFirst(logger: object): boolean {
  const candidate = logger as { child?: unknown; levels?: { values?: unknown }; streams?: unknown };
  if (typeof candidate.child !== 'function') return false;
  return (typeof candidate.levels === 'object' && candidate.levels !== null && typeof candidate.levels.values === 'object') || Array.isArray(candidate.streams);
}

/**
 * The app's logger as the gateway calls it, structured fields kept: a message-first logger is
 * returned as it is; a fields-first one is wrapped so each line's fields go in its fields object
 * and the message in its message. A logger's own `this` is kept (pino needs it).
 */
export function adaptLogger(logger: AppLogger): GatewayLogger {
  if (!takesFieldsFirst(logger)) return logger as GatewayLogger;
  const target = logger as unknown as FieldsFirstLogger;
  const adapted = {} as Record<(typeof LEVELS)[number], GatewayLogger['info']>;
  for (const level of LEVELS) adapted[level] = (message, meta) => target[level](meta ?? {}, message);
  return adapted;
}

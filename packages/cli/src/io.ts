import type { EnvMap } from '@gw/core';

/** Somewhere a command writes text: process.stdout, or a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
  /** true when it is a terminal (process.stdout at one): `run` then logs human-readable lines. */
  readonly isTTY?: boolean;
}

/** Something signals can be listened on: the process, or an EventEmitter in tests. */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * Everything a command touches outside itself, so commands run in-process in tests:
 * output streams, the environment (`${ENV}` placeholders, REDIS_URL, ...) and the directory
 * relative paths are resolved from.
 */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: EnvMap;
  cwd: string;
  /** Where `run` listens for SIGTERM and SIGINT; defaults to the process. */
  signals?: SignalSource;
}

/** The real process's streams, environment and directory. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signals: process };
}

/** Process exit codes the commands use. */
export const EXIT = {
  /** Done; for `health`, the gateway is ok. */
  OK: 0,
  /** The configuration, the gateway or the environment has a problem (messages say which). */
  FAILURE: 1,
  /** The command line is wrong: unknown command or option, missing value. */
  USAGE: 2,
} as const;

/** A variable counts as set only when it is non-empty: an empty `FOO=` in an env file means unset. */
export function envValue(env: EnvMap, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

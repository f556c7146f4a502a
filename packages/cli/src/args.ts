import { parseArgs } from 'node:util';

/** A wrong command line: the caller prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `-c, --config <file>`: the configuration file. */
export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const;
/** `-h, --help`, which every command takes. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

/** The parsed values: strings for string options, booleans for flags, absent when not given. */
export type OptionValues<T extends Record<string, OptionSpec>> = { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean };

/**
 * parseArgs in strict mode, with its errors turned into UsageError with a short message:
 * node's own messages are long and suggest `--` tricks that mean nothing to an operator.
 */
export function parseCommandArgs<const T extends Record<string, OptionSpec>>(argv: readonly string[], options: T): OptionValues<T> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as OptionValues<T>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_') && error instanceof Error) {
      throw new UsageError(shortParseMessage(error.message));
    }
    throw error;
  }
}

function shortParseMessage(message: string): string {
  const first = message.split(/\.\s/)[0] ?? message;
  const unknown = /^Unknown option '([^']+)'/.exec(first);
  if (unknown) return `unknown option ${unknown[1]}`;
  const positional = /^Unexpected argument '([^']+)'/.exec(first);
  if (positional) return `unexpected argument "${positional[1]}"`;
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** The -c value, or a UsageError saying it is missing. */
export function requireConfigPath(value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError('missing -c <config.yml>: the gateway configuration file to use');
  return value;
}

import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { formatProblem, type ConfigProblem } from './load-config.js';

/** Prints every problem, one per line (`file:line:col path: message (CODE)`), then a count. */
export function reportProblems(file: string, problems: readonly ConfigProblem[], io: CliIo): number {
  for (const problem of problems) io.stderr.write(`${formatProblem(problem)}\n`);
  io.stderr.write(`${file}: invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})\n`);
  return EXIT.FAILURE;
}

/** Prints why a configuration file could not be used at all (unreadable, or broken YAML). */
export function reportLoadFailure(failure: { message: string; problems: readonly ConfigProblem[] }, file: string, io: CliIo): number {
  if (failure.problems.length > 0) return reportProblems(file, failure.problems, io);
  io.stderr.write(`mcp-gateway: ${failure.message}\n`);
  return EXIT.FAILURE;
}

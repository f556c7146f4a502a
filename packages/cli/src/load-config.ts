import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatConfigPath, validateOptions, type ConfigIssue, type ConfigPathSegment, type EnvMap, type ResolvedOptions } from '@gw/core';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { applyEnvOverrides } from './env-overrides.js';

/** One problem in a configuration file, where an editor can jump to it. */
export interface ConfigProblem {
  /** The file as the operator named it. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** The option's path (`routing[2].upstream`), or `yaml` for a syntax error. */
  where: string;
  message: string;
  /** `ERR_GW_*` for configuration issues, `YAML_*` for syntax errors. */
  code: string;
}

/** `config.yml:12:5 routing[2].upstream: upstream "kb" is not declared (ERR_GW_UNKNOWN_UPSTREAM)` */
export function formatProblem(problem: ConfigProblem): string {
  return `${problem.file}:${problem.line}:${problem.col} ${problem.where}: ${problem.message} (${problem.code})`;
}

/** A configuration file read and parsed as YAML, with what it takes to find a path's line. */
export interface LoadedConfig {
  /** The file as the operator named it, used in messages. */
  file: string;
  /** Its absolute path. */
  path: string;
  /** The parsed value, as validateOptions takes it. */
  value: unknown;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/** The file could not be read (message), or its YAML is broken (problems), or it parsed. */
export type LoadResult =
  | { ok: true; config: LoadedConfig }
  | { ok: false; message: string; problems: readonly ConfigProblem[] };

/** Reads and parses a configuration file; every YAML syntax error is reported with its position. */
export async function loadConfigFile(file: string, cwd: string): Promise<LoadResult> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, message: `${file}: ${readFailure(error, path)}`, problems: [] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return { file, line, col, where: 'yaml', message: firstLine(error.message), code: `YAML_${error.code}` };
    });
    return { ok: false, message: `${file}: YAML syntax error${problems.length === 1 ? '' : 's'}`, problems: sortProblems(problems) };
  }
  let value: unknown;
  try {
    // toJS bounds alias expansion (maxAliasCount), so a "billion laughs" file fails here.
    value = doc.toJS();
  } catch (error) {
    const problem = { file, line: 1, col: 1, where: 'yaml', message: error instanceof Error ? error.message : String(error), code: 'YAML_RESOURCE_EXHAUSTION' };
    return { ok: false, message: `${file}: YAML cannot be read`, problems: [problem] };
  }
  return { ok: true, config: { file, path, value, doc, lineCounter } };
}

function readFailure(error: unknown, path: string): string {
  switch ((error as { code?: unknown }).code) {
    case 'ENOENT':
      return `no such file (looked for ${path})`;
    case 'EISDIR':
      return 'is a directory, not a configuration file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** The configuration as the gateway will run it: valid options, or every problem with its position. */
export type CheckResult = { ok: true; options: ResolvedOptions; value: unknown } | { ok: false; problems: readonly ConfigProblem[] };

/**
 * Applies the environment (RATE_LIMIT_KEY_PREFIX, `${ENV}` placeholders) exactly as `run` does and
 * validates, so `validate` predicts what `run` will say.
 */
export function checkConfig(config: LoadedConfig, env: EnvMap): CheckResult {
  const { value, overridden } = applyEnvOverrides(config.value, env);
  const result = validateOptions(value, { env });
  if (result.ok) return { ok: true, options: result.options, value };
  const problems = result.issues.map((issue) => {
    const problem = issueProblem(config, issue);
    const source = overridden.get(formatConfigPath(issue.path));
    return source ? { ...problem, message: `${problem.message} (the value comes from ${source})` } : problem;
  });
  return { ok: false, problems: sortProblems(problems) };
}

/** Positions a validation issue on the YAML node it names, or on its nearest existing parent. */
export function issueProblem(config: LoadedConfig, issue: ConfigIssue): ConfigProblem {
  // An unknown key is best shown at the key itself; every other issue at the offending value.
  const offset = locate(config.doc, issue.path, issue.code === 'ERR_GW_UNKNOWN_KEY');
  const { line, col } = config.lineCounter.linePos(offset);
  return { file: config.file, line, col, where: formatConfigPath(issue.path), message: issue.message, code: issue.code };
}

/**
 * The source offset of the node at `path`. Walks maps by key and sequences by index; where a
 * segment does not exist (a missing key, an index past the end, a scalar where a map was
 * expected) it stops at the deepest node that does.
 */
export function locate(doc: Document.Parsed, path: readonly ConfigPathSegment[], atKey = false): number {
  let node: unknown = doc.contents;
  let offset = startOf(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
      if (!pair) return offset;
      const keyOffset = startOf(pair.key);
      const last = i === path.length - 1;
      if (last && atKey && keyOffset !== undefined) return keyOffset;
      const valueOffset = startOf(pair.value);
      // `key:` with nothing after it: the key is where the operator looks.
      if (valueOffset === undefined || isEmptyScalar(pair.value)) return keyOffset ?? offset;
      node = pair.value;
      offset = valueOffset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      const itemOffset = startOf(item);
      if (itemOffset === undefined) return offset;
      node = item;
      offset = itemOffset;
    } else {
      return offset;
    }
  }
  return offset;
}

function startOf(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.range !== undefined && node.range !== null && node.range[0] === node.range[1];
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function sortProblems<T extends ConfigProblem>(problems: T[]): T[] {
  // Array.prototype.sort is stable, so problems on one position keep the validator's order.
  return problems.sort((a, b) => a.line - b.line || a.col - b.col);
}

// What examples/docker/image.test.ts needs to run the image's own commands without Docker: the
// Dockerfile read into stages and instructions, the build context as .dockerignore leaves it,
// and the env-file format compose reads.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Instruction {
  /** Upper-cased: FROM, RUN, COPY, ... */
  op: string;
  /** The rest of the line, continuation lines joined. */
  args: string;
}

export interface Stage {
  /** The FROM line's image. */
  image: string;
  /** `AS <name>`, when given. */
  name?: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages; comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const joined = text.replace(/\\\n/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(\S+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`unreadable Dockerfile line: ${line}`);
    const op = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`unreadable FROM: ${args}`);
      stages.push({ image: from[1]!, ...(from[2] ? { name: from[2] } : {}), instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${op} before FROM`);
      stage.instructions.push({ op, args });
    }
  }
  return stages;
}

/** An exec-form argument list (`["node", "x.js"]`), as ENTRYPOINT, CMD and HEALTHCHECK CMD take. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`not an exec-form list: ${args}`);
  return parsed;
}

/** A .dockerignore pattern as a test on a context-relative path (`*`, `**`, and a leading `!` not used here). */
function ignoreTest(pattern: string): (path: string) => boolean {
  if (pattern.startsWith('!')) throw new Error(`exception patterns are not supported here: ${pattern}`);
  const body = pattern
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((part) => (part === '**' ? '(?:.*/)?' : `${part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}/`))
    .join('');
  // A pattern that names a directory excludes everything under it.
  const regex = new RegExp(`^${body.replace(/\/$/, '')}(?:/.*)?$`);
  return (path) => regex.test(path);
}

/** The files of `repoRoot` Docker would send as the build context: git's files less .dockerignore. */
export function buildContextFiles(repoRoot: string): string[] {
  const patterns = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map(ignoreTest);
  // Tracked and untracked-but-not-ignored files: what a checkout being built holds.
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return listed
    .split('\0')
    .filter((path) => path !== '')
    .filter((path) => !patterns.some((ignored) => ignored(path)));
}

/** Copies `files` (relative to `from`) to `to`. Files listed by git but deleted in the work tree are skipped. */
export function copyFiles(from: string, to: string, files: readonly string[]): number {
  let copied = 0;
  for (const file of files) {
    try {
      mkdirSync(dirname(join(to, file)), { recursive: true });
      copyFileSync(join(from, file), join(to, file));
      copied++;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return copied;
}

/** `NAME=value` lines, as compose's env_file holds them. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

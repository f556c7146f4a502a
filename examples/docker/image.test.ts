// The image of examples/docker/Dockerfile, without Docker (this machine and CI have none): the
// build stage's own commands run on the build context .dockerignore leaves, in a temporary
// directory standing for the image's /src and /out; the final stage's ENTRYPOINT and CMD start
// the gateway from that output (production dependencies only), with the environment compose.yml
// gives it and its session secret from an env file as the README makes it; the demo upstream
// starts with compose's command. An SDK client session goes through it, /healthz answers, and
// the image's HEALTHCHECK command passes, then fails once the gateway stopped.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort, startRedis, type RedisFixture } from '../../packages/node-http/test/support/redis.js';
import { REPO_ROOT } from '../test-support/child.js';
import { buildContextFiles, copyFiles, execForm, parseDockerfile, parseEnvFile, type Stage } from './image-support.js';

const DOCKER_DIR = join(REPO_ROOT, 'examples/docker');
const stages = parseDockerfile(readFileSync(join(DOCKER_DIR, 'Dockerfile'), 'utf8'));
const compose = parse(readFileSync(join(DOCKER_DIR, 'compose.yml'), 'utf8')) as {
  services: Record<string, { environment?: Record<string, string>; entrypoint?: string[]; env_file?: string; working_dir?: string }>;
};

const args = (stage: Stage, op: string): string[] => stage.instructions.filter((instruction) => instruction.op === op).map((instruction) => instruction.args);
const last = (stage: Stage, op: string): string => {
  const found = args(stage, op).at(-1);
  if (found === undefined) throw new Error(`the stage has no ${op}`);
  return found;
};

let work: string;
let redis: RedisFixture | undefined;
const children: ChildProcess[] = [];

/** Where the image's paths are in the temporary directory. */
function local(path: string): string {
  return path.replace(/^\/src(?=\/|$)/, join(work, 'src')).replace(/^\/out(?=\/|$)/, join(work, 'out')).replace(/^\/app(?=\/|$)/, join(work, 'out')).replace(/^\/config(?=\/|$)/, join(work, 'config'));
}

function start(command: string[], cwd: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const [file, ...rest] = command.map(local);
  const child = spawn(file === 'node' ? process.execPath : file!, rest, { cwd, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return { child, output: () => output };
}

async function waitFor(what: string, output: () => string, pattern: RegExp, child: ChildProcess, timeoutMs = 20_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(output());
    if (match) return match;
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}):\n${output()}`);
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function exited(child: ChildProcess, timeoutMs = 20_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('examples/docker/Dockerfile', () => {
  const [build, final] = stages as [Stage, Stage];

  it('has a build stage and a final stage that takes only the build output, runs as a non-root user and checks /healthz', () => {
    expect(stages).toHaveLength(2);
    expect(final.image).toBe(build.image);
    expect(args(final, 'COPY')).toEqual([`--from=${build.name} /out /app`]);
    expect(args(final, 'RUN')).toEqual([]);
    const user = last(final, 'USER');
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const ops = final.instructions.map((instruction) => instruction.op);
    expect(ops.indexOf('USER')).toBeLessThan(ops.indexOf('ENTRYPOINT'));
    expect(last(final, 'HEALTHCHECK')).toMatch(/\bCMD \["node", "\/app\/gateway\/healthcheck\.mjs"\]$/);
    expect(readFileSync(join(DOCKER_DIR, 'healthcheck.mjs'), 'utf8')).toContain('/healthz');
    // No secret in the image: it comes from the environment at run time.
    expect(readFileSync(join(DOCKER_DIR, 'Dockerfile'), 'utf8')).not.toMatch(/SESSION_SECRET\s*=|ARG .*SECRET/);
    // The pnpm it installs is the workspace's.
    const pnpm = /npm install -g pnpm@(\S+)/.exec(args(build, 'RUN').join('\n'))?.[1];
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { packageManager: string };
    expect(`pnpm@${pnpm}`).toBe(manifest.packageManager);
  });

  it('sends a build context without dependencies, build output, git history or env files', () => {
    const files = buildContextFiles(REPO_ROOT);
    expect(files).toContain('pnpm-lock.yaml');
    expect(files).toContain('examples/docker/build.sh');
    expect(files).toContain('packages/cli/src/bin.ts');
    expect(files.filter((file) => /(^|\/)(node_modules|dist|\.git)\//.test(file) || /\.env$/.test(file))).toEqual([]);
  });

  describe('its build and start commands, run in a temporary directory', () => {
    let gateway: { child: ChildProcess; output: () => string };
    let url: string;
    let healthcheck: string[];
    let healthUrl: string;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'mcp-gateway-image-'));
      copyFiles(REPO_ROOT, join(work, 'src'), buildContextFiles(REPO_ROOT));

      // The build stage, from `WORKDIR /src` + `COPY . .` on: its RUN lines as written, pnpm
      // itself excepted (checked above to be the version this machine's pnpm must be).
      expect(last(build, 'WORKDIR')).toBe('/src');
      const version = spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).stdout.trim();
      for (const run of args(build, 'RUN')) {
        if (run.startsWith('npm install -g pnpm@')) {
          expect(`pnpm@${version}`, 'the pnpm on PATH').toBe(run.slice('npm install -g '.length));
          continue;
        }
        const done = spawnSync('sh', ['-c', run.replace(/(^|\s)\/out\b/g, `$1${join(work, 'out')}`)], {
          cwd: join(work, 'src'),
          encoding: 'utf8',
          timeout: 240_000,
          env: { ...process.env, CI: 'true' },
        });
        expect(done.status, `RUN ${run}\n${done.stdout}\n${done.stderr}`).toBe(0);
      }

      redis = await startRedis();
      const upstreamPort = await freePort();
      const upstreamService = compose.services['upstream']!;
      const upstream = start(upstreamService.entrypoint!, local(upstreamService.working_dir!), { ...upstreamService.environment, HOST: '127.0.0.1', PORT: String(upstreamPort) });
      const upstreamUrl = (await waitFor('the demo upstream', upstream.output, /demo MCP server ready at (\S+)/, upstream.child))[1]!;

      // The configuration compose mounts at /config/config.yml, on loopback.
      const config = parse(readFileSync(join(DOCKER_DIR, 'config.yml'), 'utf8')) as { server: Record<string, unknown>; upstreams: Array<{ url: string }> };
      const port = await freePort();
      config.server.host = '127.0.0.1';
      config.server.port = port;
      config.upstreams[0]!.url = upstreamUrl;
      const cmd = execForm(last(final, 'CMD'));
      const configPath = cmd[cmd.indexOf('-c') + 1]!;
      spawnSync('mkdir', ['-p', local(configPath).replace(/\/[^/]+$/, '')]);
      writeFileSync(local(configPath), stringify(config));

      // The env file, made as the compose README says (there with openssl).
      const gatewayService = compose.services['gateway']!;
      const envFile = join(DOCKER_DIR, gatewayService.env_file!).replace(DOCKER_DIR, join(work, 'compose'));
      spawnSync('mkdir', ['-p', join(work, 'compose')]);
      writeFileSync(envFile, `MCP_GATEWAY_SESSION_SECRET=${randomBytes(48).toString('base64')}\n`);
      const imageEnv = Object.fromEntries(args(final, 'ENV').map((env) => env.split('=', 2) as [string, string]));
      const env = { ...imageEnv, ...gatewayService.environment, ...parseEnvFile(readFileSync(envFile, 'utf8')), REDIS_URL: redis.url };

      gateway = start([...execForm(last(final, 'ENTRYPOINT')), ...cmd], local(last(final, 'WORKDIR')), env);
      url = `http://127.0.0.1:${port}/mcp`;
      await waitFor('the gateway', gateway.output, /"event":"started"/, gateway.child);
      healthcheck = execForm(last(final, 'HEALTHCHECK').replace(/^.*?\bCMD\s+/, ''));
      healthUrl = `http://127.0.0.1:${port}/healthz`;
    }, 300_000);

    afterAll(async () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await redis?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('put production dependencies only beside the gateway and the demo upstream', () => {
      for (const program of ['gateway', 'demo-upstream']) {
        const store = join(work, 'out', program, 'node_modules', '.pnpm');
        expect(existsSync(store), store).toBe(true);
        const packages = readdirSync(store);
        expect(packages.filter((name) => /^(typescript|vitest|@types\+|vite|esbuild|kubernetes-models)@/.test(name)), program).toEqual([]);
      }
      expect(readdirSync(join(work, 'out', 'gateway', 'node_modules', '@gw')).sort()).toEqual(['core', 'node-http']);
    });

    it('serves an SDK client session in front of the demo upstream, with Redis and the sealed-session secret from the env file', async () => {
      expect(gateway.output()).toContain('"rateLimitStore":"redis"');
      const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { 'x-api-key': 'demo-key' } } });
      const client = new Client({ name: 'image-test', version: '1.0.0' });
      await client.connect(transport);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('demo.add');
      const result = (await client.callTool({ name: 'demo.add', arguments: { a: 2, b: 40 } })) as { content: Array<{ text: string }> };
      expect(result.content[0]!.text).toBe('42');
      // A sealed id (the secret is set), not a 32-character random one.
      expect(transport.sessionId!.length).toBeGreaterThan(100);
      await client.close();
    });

    it('answers /healthz, passes its HEALTHCHECK, and fails it once stopped by SIGTERM', async () => {
      const health = await fetch(healthUrl, { signal: AbortSignal.timeout(5_000) });
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const check = (): number | null => spawnSync(process.execPath, healthcheck.slice(1).map(local), { env: { HEALTHCHECK_URL: healthUrl }, timeout: 10_000 }).status;
      expect(healthcheck[0]).toBe('node');
      expect(check()).toBe(0);
      gateway.child.kill('SIGTERM');
      expect(await exited(gateway.child)).toBe(0);
      expect(check()).toBe(1);
    });
  });
});

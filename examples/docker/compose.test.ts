// compose.yml and haproxy.cfg fit together, without Docker: two or more gateway replicas with
// their session secret from an env file (not the image, not git), Redis shared, the demo upstream
// where config.yml points, and haproxy balancing round robin (no stickiness) over the gateway
// service on the port config.yml listens on, checking /healthz. haproxy itself checks the file
// (`haproxy -c`); packages/cli/test/scale-out.test.ts runs it on loopback in front of three replicas.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../test-support/child.js';

const DOCKER_DIR = join(REPO_ROOT, 'examples/docker');
const read = (file: string): string => readFileSync(join(DOCKER_DIR, file), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  deploy?: { replicas?: number };
  env_file?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  entrypoint?: string[];
  depends_on?: unknown;
}
const compose = parse(read('compose.yml')) as { services: Record<string, Service> };
const config = parse(read('config.yml')) as { server: { port: number; path: string }; upstreams: Array<{ url: string }> };
const haproxy = read('haproxy.cfg');

describe('examples/docker/compose.yml', () => {
  const { balancer, gateway, redis, upstream } = compose.services as Record<'balancer' | 'gateway' | 'redis' | 'upstream', Service>;

  it('runs two or more gateway replicas built from the Dockerfile, with Redis and a session secret from an env file', () => {
    expect(gateway.build).toEqual({ context: '../..', dockerfile: 'examples/docker/Dockerfile' });
    expect(gateway.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(gateway.ports, 'only the balancer is published').toBeUndefined();
    expect(gateway.environment?.['REDIS_URL']).toBe('redis://redis:6379');
    expect(redis.image).toMatch(/^redis:/);
    expect(gateway.volumes).toContain('./config.yml:/config/config.yml:ro');
    // The secret: from ./session.env, which git and the build context both leave out.
    expect(gateway.env_file).toBe('./session.env');
    expect(JSON.stringify(gateway.environment)).not.toContain('SECRET');
    expect(read('.gitignore').split('\n')).toContain('session.env');
    expect(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n')).toContain('**/*.env');
    // The README's command for making it writes the variable the CLI reads.
    expect(read('compose.yml')).toContain("printf 'MCP_GATEWAY_SESSION_SECRET=%s\\n' \"$(openssl rand -base64 48)\" > examples/docker/session.env");
  });

  it('runs the demo upstream where config.yml sends the gateway', () => {
    expect(upstream.entrypoint).toEqual(['node', '/app/demo-upstream/dist/demo-upstream/main.js']);
    const target = new URL(config.upstreams[0]!.url);
    expect(target.hostname).toBe('upstream');
    expect(target.port).toBe(upstream.environment?.['PORT']);
  });

  it('publishes only haproxy, balancing round robin over the gateway service with health checks on /healthz', () => {
    expect(balancer.image).toMatch(/^haproxy:/);
    expect(balancer.volumes).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    expect(balancer.ports).toEqual(['8080:8080']);
    expect(haproxy).toMatch(/^\s+balance roundrobin$/m);
    expect(haproxy).not.toMatch(/^\s+(cookie|stick|hash-type|balance (source|hdr|uri))/m);
    expect(haproxy).toMatch(/^\s+http-check send meth GET uri \/healthz\b/m);
    const template = /^\s+server-template \S+ 1-(\d+) (\S+):(\d+) /m.exec(haproxy);
    expect(template).not.toBeNull();
    expect(Number(template![1])).toBeGreaterThanOrEqual(gateway.deploy!.replicas!);
    expect(template![2]).toBe('gateway');
    expect(Number(template![3])).toBe(config.server.port);
  });

  it('has a haproxy.cfg that haproxy accepts', () => {
    const check = spawnSync('haproxy', ['-c', '-f', join(DOCKER_DIR, 'haproxy.cfg')], { encoding: 'utf8', timeout: 10_000 });
    expect(check.error, 'haproxy must be installed (.ci/run installs it)').toBeUndefined();
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  });
});

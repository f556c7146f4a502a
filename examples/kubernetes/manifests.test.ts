// Every manifest in examples/kubernetes validated against the Kubernetes API schemas
// (kubernetes-models: the OpenAPI schemas of the API, compiled to validators: types, required
// fields, enums, formats such as quantities), then the cross-references a schema cannot see:
// selectors and labels, ports, the Secret and ConfigMap the pods use, the autoscaler's target,
// the probes, and the ConfigMap's config.yml accepted by `mcp-gateway validate`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import type { IContainer, IPodSpec } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../test-support/child.js';

const DIR = join(REPO_ROOT, 'examples/kubernetes');

/** The model class of each kind the example uses; any other kind fails the test. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

const manifests: Manifest[] = readdirSync(DIR)
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((document) => {
      expect(document.errors, file).toEqual([]);
      return { file, ...(document.toJS() as Omit<Manifest, 'file'>) };
    }),
  );

function find(kind: string, name: string): Manifest {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in examples/kubernetes`);
  return found;
}

const gateway = find('Deployment', 'mcp-gateway');
const podSpec = (gateway.spec as { template: { spec: IPodSpec } }).template.spec;
const container = podSpec.containers[0] as IContainer;
const podLabels = (gateway.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('examples/kubernetes', () => {
  it('holds a Deployment, Service, ConfigMap, PodDisruptionBudget, HorizontalPodAutoscaler and Redis', () => {
    const kinds = new Set(manifests.map((manifest) => manifest.kind));
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']) expect(kinds).toContain(kind);
    expect(find('Deployment', 'mcp-gateway-redis')).toBeDefined();
    expect(find('Service', 'mcp-gateway-redis')).toBeDefined();
    // No secret in git: the README creates it.
    expect(manifests.filter((manifest) => manifest.kind === 'Secret')).toEqual([]);
  });

  it.each(manifests.map((manifest) => [`${manifest.file}: ${manifest.kind} ${manifest.metadata.name}`, manifest] as const))('%s is valid against the Kubernetes schema', (_, manifest) => {
    const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
    expect(Model, `${manifest.apiVersion} ${manifest.kind}`).toBeDefined();
    const { file: _file, ...resource } = manifest;
    expect(() => new Model!(resource as never).validate()).not.toThrow();
  });

  it('uses a validator that refuses what the API server would', () => {
    const broken = structuredClone(gateway) as Manifest & { spec: { replicas: unknown } };
    const { file: _file, ...resource } = broken;
    resource.spec.replicas = 'three';
    expect(() => new Deployment(resource as never).validate()).toThrow(/replicas/);
    const noImage = structuredClone(resource) as unknown as { spec: { replicas: number; template: { spec: { containers: Array<Record<string, unknown>> } } } };
    noImage.spec.replicas = 3;
    delete noImage.spec.template.spec.containers[0]!['name'];
    expect(() => new Deployment(noImage as never).validate()).toThrow(/name/);
  });

  it('runs several gateway replicas, non-root, with resource requests, the session secret from a Secret and probes on /healthz', () => {
    expect((gateway.spec as { replicas: number }).replicas).toBeGreaterThanOrEqual(2);
    expect(matches((gateway.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, podLabels)).toBe(true);
    expect(podSpec.securityContext?.runAsNonRoot).toBe(true);
    expect(container.resources?.requests?.['cpu']).toBeDefined();
    expect(container.resources?.requests?.['memory']).toBeDefined();
    // Longer than the gateway's own shutdown (10 s drain + 5 s upstream DELETEs).
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThan(15);

    const env = new Map((container.env ?? []).map((variable) => [variable.name, variable]));
    const secret = env.get('MCP_GATEWAY_SESSION_SECRET')?.valueFrom?.secretKeyRef;
    expect(secret).toBeDefined();
    expect(env.get('MCP_GATEWAY_SESSION_SECRET')?.value).toBeUndefined();
    const previous = env.get('MCP_GATEWAY_SESSION_SECRET_PREVIOUS')?.valueFrom?.secretKeyRef;
    expect(previous).toMatchObject({ name: secret!.name, optional: true });
    // The README's command makes that Secret with that key, and its rotation fills the other.
    const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
    expect(readme).toContain(`kubectl create secret generic ${secret!.name} --from-literal=${secret!.key}="$(openssl rand -base64 48)"`);
    expect(readme).toContain(`--from-literal=${previous!.key}=`);

    const port = container.ports?.find((entry) => entry.name === 'http');
    expect(port).toBeDefined();
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe?.httpGet?.path).toBe('/healthz');
      expect([port!.name, port!.containerPort]).toContain(probe?.httpGet?.port);
    }
  });

  it('mounts the ConfigMap whose config.yml passes mcp-gateway validate, listening on the container port, with Redis and the upstream at their Services', () => {
    const args = container.args ?? [];
    const configPath = args[args.indexOf('-c') + 1]!;
    const mount = container.volumeMounts?.find((entry) => configPath.startsWith(`${entry.mountPath}/`));
    expect(mount).toBeDefined();
    const volume = podSpec.volumes?.find((entry) => entry.name === mount!.name);
    const configMap = find('ConfigMap', volume!.configMap!.name!);
    const text = configMap.data?.[configPath.slice(mount!.mountPath.length + 1)];
    expect(text).toBeDefined();

    const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-k8s-'));
    writeFileSync(join(dir, 'config.yml'), text!);
    const run = spawnSync(process.execPath, ['packages/cli/dist/bin.js', 'validate', '-c', join(dir, 'config.yml')], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 10_000 });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);

    const config = parse(text!) as { server: { host: string; port: number }; upstreams: Array<{ url: string }> };
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.port).toBe(container.ports![0]!.containerPort);

    const redisUrl = new URL(container.env!.find((variable) => variable.name === 'REDIS_URL')!.value!);
    const redisService = find('Service', redisUrl.hostname);
    expect((redisService.spec as { ports: Array<{ port: number }> }).ports.map((entry) => entry.port)).toContain(Number(redisUrl.port));
    const redisPods = (find('Deployment', 'mcp-gateway-redis').spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    expect(matches((redisService.spec as { selector: Record<string, string> }).selector, redisPods)).toBe(true);

    for (const upstream of config.upstreams) {
      const url = new URL(upstream.url);
      const service = find('Service', url.hostname);
      expect((service.spec as { ports: Array<{ port: number }> }).ports.map((entry) => entry.port)).toContain(Number(url.port));
    }
  });

  it('has a Service without session affinity, a PodDisruptionBudget and an autoscaler that all point at the gateway pods', () => {
    const service = find('Service', 'mcp-gateway').spec as { selector: Record<string, string>; sessionAffinity?: string; ports: Array<{ targetPort: unknown }> };
    expect(matches(service.selector, podLabels)).toBe(true);
    expect(service.sessionAffinity ?? 'None').toBe('None');
    expect(service.ports.map((entry) => entry.targetPort)).toContain('http');

    const pdb = find('PodDisruptionBudget', 'mcp-gateway').spec as { selector: { matchLabels: Record<string, string> }; maxUnavailable?: number; minAvailable?: number };
    expect(matches(pdb.selector.matchLabels, podLabels)).toBe(true);
    expect(pdb.maxUnavailable ?? 0).toBeLessThan((gateway.spec as { replicas: number }).replicas);

    const hpa = find('HorizontalPodAutoscaler', 'mcp-gateway').spec as { scaleTargetRef: { apiVersion: string; kind: string; name: string }; minReplicas: number; maxReplicas: number };
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: gateway.apiVersion, kind: 'Deployment', name: gateway.metadata.name });
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.maxReplicas).toBeGreaterThan(hpa.minReplicas);
  });
});

import { deny, type Denial } from './errors.js';
import type { JsonRpcParams } from './envelope.js';

/** The kinds of named things a message can act on; policy and routing match on each. */
export type TargetKind = 'tool' | 'resource' | 'prompt';

/** The tool, resource or prompt a message acts on. */
export interface Target {
  kind: TargetKind;
  /** Tool name, resource URI (or URI template for completions) or prompt name. */
  name: string;
}

/** Where each method keeps its target: which kind, and the param that names it. */
const TARGET_PARAMS: Readonly<Record<string, { kind: TargetKind; param: 'name' | 'uri' }>> = {
  'tools/call': { kind: 'tool', param: 'name' },
  'resources/read': { kind: 'resource', param: 'uri' },
  'resources/subscribe': { kind: 'resource', param: 'uri' },
  'resources/unsubscribe': { kind: 'resource', param: 'uri' },
  'prompts/get': { kind: 'prompt', param: 'name' },
};

/**
 * Reads the target of a message: `tools/call` → params.name, `resources/read|subscribe|
 * unsubscribe` → params.uri, `prompts/get` → params.name, `completion/complete` → params.ref (a
 * prompt name or a resource template URI). Other methods have none (`null`). A method that needs
 * a target but lacks it is an invalid-params denial, so policy never decides on a missing name.
 */
export function readTarget(method: string, params: JsonRpcParams | undefined): Target | null | Denial {
  // Own properties only: a method named `constructor` or `__proto__` names no target.
  const spec = Object.hasOwn(TARGET_PARAMS, method) ? TARGET_PARAMS[method] : undefined;
  if (spec) {
    const name = params?.[spec.param];
    if (typeof name !== 'string' || name.length === 0) {
      return deny('INVALID_PARAMS', `${method} needs params.${spec.param} (a non-empty string)`);
    }
    return { kind: spec.kind, name };
  }
  if (method === 'completion/complete') {
    const ref = params?.['ref'];
    if (typeof ref === 'object' && ref !== null && !Array.isArray(ref)) {
      const r = ref as Record<string, unknown>;
      if (r['type'] === 'ref/prompt' && typeof r['name'] === 'string' && r['name']) {
        return { kind: 'prompt', name: r['name'] };
      }
      if (r['type'] === 'ref/resource' && typeof r['uri'] === 'string' && r['uri']) {
        return { kind: 'resource', name: r['uri'] };
      }
    }
    return deny('INVALID_PARAMS', 'completion/complete needs params.ref of type ref/prompt (name) or ref/resource (uri)');
  }
  return null;
}

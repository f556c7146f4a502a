import type { TargetKind } from './target.js';

/** The four kinds of things upstreams list. */
export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/** How one list method reads and what its items lead to. */
export interface ListSpec {
  readonly method: string;
  readonly kind: ListKind;
  /** The capability an upstream declares when it has such things. */
  readonly capability: 'tools' | 'prompts' | 'resources';
  /** The method a listed item is used with, checked by policy item by item. */
  readonly useMethod: string;
  /** What that use targets. */
  readonly targetKind: TargetKind;
  /** The item field the use names it by. */
  readonly key: 'name' | 'uri' | 'uriTemplate';
  /** Whether the gateway names these items (prefixes, collisions); resources keep their URIs. */
  readonly named: boolean;
  /** The notification an upstream sends when the list changes. */
  readonly changed: string;
}

const SPECS: readonly ListSpec[] = [
  { method: 'tools/list', kind: 'tools', capability: 'tools', useMethod: 'tools/call', targetKind: 'tool', key: 'name', named: true, changed: 'notifications/tools/list_changed' },
  { method: 'prompts/list', kind: 'prompts', capability: 'prompts', useMethod: 'prompts/get', targetKind: 'prompt', key: 'name', named: true, changed: 'notifications/prompts/list_changed' },
  { method: 'resources/list', kind: 'resources', capability: 'resources', useMethod: 'resources/read', targetKind: 'resource', key: 'uri', named: false, changed: 'notifications/resources/list_changed' },
  // A template is used by reading a URI it expands to; policy sees the template itself.
  { method: 'resources/templates/list', kind: 'resourceTemplates', capability: 'resources', useMethod: 'resources/read', targetKind: 'resource', key: 'uriTemplate', named: true, changed: 'notifications/resources/list_changed' },
];

/**
 * The list methods, which the gateway answers itself: the union of what the subject's upstreams
 * list, named and filtered. By method name.
 */
export const LIST_METHODS: ReadonlyMap<string, ListSpec> = new Map(SPECS.map((spec) => [spec.method, spec]));


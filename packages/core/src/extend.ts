/**
 * A new object with the properties of `base`, then those of `fields` (added or replaced): what
 * `{ ...base, ...fields }` gives. On Node 20 (V8 11.3) an object spread that adds a property its
 * source lacks builds a new hidden class every time it runs (about half a microsecond, and the
 * classes pile up in the old generation until a major GC); Object.assign follows one cached
 * transition instead. Object.assign sets properties where a spread defines them, which differs
 * only for a `__proto__` key (parsed JSON can have one): it would become the copy's prototype,
 * so such values take the spread.
 */
export function extend<T extends object, U extends object>(base: T, fields: U | undefined): T & U {
  if (Object.hasOwn(base, '__proto__') || (fields !== undefined && Object.hasOwn(fields, '__proto__'))) return { ...base, ...fields } as T & U;
  return Object.assign({}, base, fields);
}

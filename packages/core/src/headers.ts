/**
 * Request headers as a plain map, the shape node:http gives them (`IncomingHttpHeaders`): names
 * in lower case, a repeated header as an array.
 */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Every value of a header, whether it came once, repeated, or not at all. */
export function headerValues(headers: HeaderMap, name: string): readonly string[] {
  const value = headers[name];
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** Copies a map with names in lower case, for callers whose headers are not from node:http. */
export function lowerCaseHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>): HeaderMap {
  const out: Record<string, string | readonly string[]> = Object.create(null) as Record<string, string | readonly string[]>;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const previous = out[key];
    if (previous === undefined) out[key] = value;
    else out[key] = [...(typeof previous === 'string' ? [previous] : previous), ...(typeof value === 'string' ? [value] : value)];
  }
  return out;
}

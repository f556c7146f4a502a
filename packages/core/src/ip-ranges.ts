// Addresses and CIDR ranges, for server.trustedProxies: parsed once, matched per request.
// Pure: no node:net, so the options schema can check the entries and any runtime can match.

/** One address as bytes: 4 for IPv4, 16 for IPv6. */
type Bytes = readonly number[];

/** A range: its first bytes and how many leading bits must match. */
interface Range {
  bytes: Bytes;
  prefix: number;
}

// No leading zeros: `010.0.0.1` is octal 8.0.0.1 to inet_aton and refused by node:net; it is no
// address here either, rather than one some other reader takes for another.
const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

function parseIpv4(text: string): Bytes | undefined {
  const match = IPV4.exec(text);
  if (!match) return undefined;
  const bytes = match.slice(1).map(Number);
  return bytes.every((byte) => byte <= 255) ? bytes : undefined;
}

function parseIpv6(text: string): Bytes | undefined {
  if (text.length > 45) return undefined;
  let rest = text;
  let tail: number[] = [];
  // An IPv4 address written in the last 32 bits (::ffff:10.0.0.1).
  const lastColon = rest.lastIndexOf(':');
  if (rest.includes('.', lastColon)) {
    const v4 = parseIpv4(rest.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    // Keep a `::` just before it whole ("::1.2.3.4"), drop a single separating colon.
    rest = rest[lastColon - 1] === ':' ? rest.slice(0, lastColon + 1) : rest.slice(0, lastColon);
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const group = (part: string): number[] | undefined => {
    if (part === '') return [];
    const words = part.split(':');
    if (!words.every((word) => /^[0-9a-f]{1,4}$/i.test(word))) return undefined;
    return words.map((word) => parseInt(word, 16));
  };
  const head = group(halves[0]!);
  const after = halves.length === 2 ? group(halves[1]!) : [];
  if (!head || !after) return undefined;
  const given = head.length + after.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const words = [...head, ...new Array<number>(8 - given).fill(0), ...after, ...tail];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as its IPv4 bytes; any other as it is. */
function unmapped(bytes: Bytes): Bytes {
  if (bytes.length === 16 && bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  return bytes;
}

/** An address's bytes (IPv4-mapped IPv6 as IPv4), or undefined if the text is not an address. */
export function parseIp(text: string): Bytes | undefined {
  const bytes = text.includes(':') ? parseIpv6(text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text) : parseIpv4(text);
  return bytes && unmapped(bytes);
}

/** `10.0.0.0/8`, `fd00::/8` or a single address; undefined if the text is neither. */
function parseRange(text: string): Range | undefined {
  const slash = text.indexOf('/');
  const bytes = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!bytes) return undefined;
  const written = slash < 0 ? undefined : text.slice(slash + 1);
  if (written !== undefined && !/^\d{1,3}$/.test(written)) return undefined;
  const mappedV6 = text.includes(':') && bytes.length === 4;
  let prefix = written === undefined ? bytes.length * 8 : Number(written);
  // A prefix written for an IPv4-mapped IPv6 range counts the 96 bits before the IPv4 part.
  if (mappedV6 && written !== undefined) prefix -= 96;
  if (prefix < 0 || prefix > bytes.length * 8) return undefined;
  return { bytes, prefix };
}

/** Whether an entry of server.trustedProxies is an address or a CIDR range. */
export function isIpRange(text: string): boolean {
  return parseRange(text) !== undefined;
}

function inRange(bytes: Bytes, range: Range): boolean {
  if (bytes.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}

/**
 * A matcher for a list of addresses and ranges: whether an address (as a socket or a forwarded
 * header writes it) is in one of them. Entries must have passed isIpRange; text that is not an
 * address is in none.
 */
export function ipRangeMatcher(entries: readonly string[]): (address: string) => boolean {
  const ranges = entries.map(parseRange).filter((range): range is Range => range !== undefined);
  if (ranges.length === 0) return () => false;
  return (address) => {
    const bytes = parseIp(address);
    return bytes !== undefined && ranges.some((range) => inRange(bytes, range));
  };
}

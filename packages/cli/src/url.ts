/** Query parameters whose values are hidden when a URL is shown: they usually carry secrets. */
const SECRET_PARAM = /key|token|secret|passw|pwd|auth|sig|credential|session/i;

/**
 * A URL safe to print: user and password replaced by one `***`, and the values of query parameters
 * that look like credentials too. Text that is not a URL is returned as it is, minus anything
 * before an `@` that could be a password.
 */
export function hideUrlCredentials(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text.replace(/\/\/[^/@]*@/, '//***@');
  }
  if (url.username || url.password) {
    // Both go: a user name alone can be a token (https://<token>@host).
    url.username = '***';
    url.password = '';
  }
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAM.test(name)) url.searchParams.set(name, '***');
  // URL serialization percent-encodes `*` in a query (as %2A), which reads worse than it is.
  return url.href.replace(/%2A%2A%2A/g, '***');
}

/**
 * Host and port as a URL authority: IPv6 literals in brackets, and the wildcard addresses
 * (`0.0.0.0`, `::`) replaced by the loopback address, which is where a local client connects.
 */
export function connectableAuthority(host: string, port: number): string {
  const local = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host;
  return `${local.includes(':') && !local.startsWith('[') ? `[${local}]` : local}:${port}`;
}

/** Host and port as written in a URL, the host unchanged (wildcards included). */
export function authority(host: string, port: number): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

// The image's HEALTHCHECK: exit 0 when the gateway in this container answers GET /healthz with
// 200 within 2 s, 1 otherwise. node:20-slim has no curl; this needs nothing but Node.
// HEALTHCHECK_URL overrides the address (default http://127.0.0.1:8080/healthz).
const url = process.env.HEALTHCHECK_URL || 'http://127.0.0.1:8080/healthz';
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}

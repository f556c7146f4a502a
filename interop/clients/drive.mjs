// Runs one client library through a list of targets, one after the other, and checks at each
// what a user of that library would see. Started by run.mjs, one process per client:
//
//   node drive.mjs <client> <jobs.json>
//
// Each job: { id, url, headers, viaGateway, servers: [{ label, add, echo, secret, spellings,
// denied, guesses, secretText }] } (see expectDirect and expectThrough in run.mjs). Prints one
// line `interop-result <json>` per job on stdout; the library's own chatter goes to stderr.
import { readFileSync } from 'node:fs';

const JOB_TIMEOUT_MS = 45_000;
const STEP_TIMEOUT_MS = 20_000;
/**
 * The gateway's own refusals of a tool, FORBIDDEN (a deny) and NO_ROUTE (a name never listed),
 * also as a library quotes them inside a message of its own (quotes escaped).
 */
const GATEWAY_REFUSAL = /Forbidden: tool \\?"[^"\\]*\\?" is (denied|not allowed)|no upstream serves tools\/call/;

const [clientName, jobsFile] = process.argv.slice(2);
const client = await import(`./${clientName}.mjs`);
const jobs = JSON.parse(readFileSync(jobsFile, 'utf8'));
const log = (text) => process.stderr.write(String(text).endsWith('\n') ? String(text) : `${text}\n`);

for (const job of jobs) {
  const checks = [];
  const started = Date.now();
  let error;
  try {
    await withTimeout(runJob(job, checks), JOB_TIMEOUT_MS, 'the whole job');
  } catch (err) {
    error = describe(err);
  }
  const ok = !error && checks.length > 0 && checks.every((c) => c.ok);
  process.stdout.write(`interop-result ${JSON.stringify({ id: job.id, ok, error, checks, ms: Date.now() - started })}\n`);
}
// Some libraries keep timers or child processes referenced after close: the run is over.
process.exit(0);

async function runJob(job, checks) {
  const check = (name, ok, detail) => checks.push({ name, ok: Boolean(ok), detail: ok ? undefined : detail });
  const session = await withTimeout(client.open({ url: job.url, headers: job.headers, log }), STEP_TIMEOUT_MS, 'connect');
  try {
    const listed = await withTimeout(session.listTools(), STEP_TIMEOUT_MS, 'list tools');
    check('list', listed.length > 0, `no tools listed`);
    for (const server of job.servers) {
      const where = `${server.label}`;
      for (const name of [server.add, server.echo]) check(`${where}: lists ${name}`, listed.includes(name), `"${name}" missing from ${JSON.stringify(listed)}`);
      if (job.viaGateway) {
        for (const name of server.spellings) check(`${where}: hides ${name}`, !listed.includes(name), `"${name}" is listed, though the policy denies it`);
      } else {
        check(`${where}: lists ${server.secret}`, listed.includes(server.secret), `"${server.secret}" missing from ${JSON.stringify(listed)} (the direct run must see what the gateway hides)`);
      }

      const sum = await attempt(() => session.call(server.add, { a: 2, b: 3 }));
      check(`${where}: ${server.add}(2, 3)`, sum.ok && /\b5\b/.test(sum.text), `expected a result with 5, got ${sum.text}`);
      const echo = await attempt(() => session.call(server.echo, { message: 'interop-hello' }));
      check(`${where}: ${server.echo}("interop-hello")`, echo.ok && echo.text.includes('interop-hello'), `expected a result with interop-hello, got ${echo.text}`);

      if (server.resource) {
        const { uri, text } = server.resource;
        const uris = await withTimeout(session.listResources(), STEP_TIMEOUT_MS, 'list resources').catch((err) => [`(failed: ${describe(err)})`]);
        check(`${where}: lists resource ${uri}`, uris.includes(uri), `"${uri}" missing from ${JSON.stringify(uris)}`);
        const read = await attempt(() => session.readResource(uri));
        check(`${where}: reads ${uri}`, read.ok && read.text.includes(text), `expected a text with "${text}", got ${read.text}`);
        const missing = `${uri}-missing`;
        const unknown = await attempt(() => session.readResource(missing));
        check(`${where}: refuses to read ${missing}`, !unknown.ok, `expected an error, got ${unknown.text}`);
      }

      if (server.prompt && session.listPrompts) {
        const { name, args, text } = server.prompt;
        const names = await withTimeout(session.listPrompts(), STEP_TIMEOUT_MS, 'list prompts').catch((err) => [`(failed: ${describe(err)})`]);
        check(`${where}: lists prompt ${name}`, names.includes(name), `"${name}" missing from ${JSON.stringify(names)}`);
        const got = await attempt(() => session.getPrompt(name, args));
        check(`${where}: gets prompt ${name}`, got.ok && got.text.includes(text), `expected messages with "${text}", got ${got.text}`);
      }

      if (job.viaGateway) {
        for (const name of server.denied) {
          const denied = await attempt(() => session.call(name, {}));
          const leaked = new RegExp(server.secretText).test(denied.text);
          check(`${where}: the gateway refuses ${name}`, !leaked && GATEWAY_REFUSAL.test(denied.text), `expected the gateway's refusal (FORBIDDEN or NO_ROUTE), got ${denied.ok ? 'a result' : 'an error'}: ${denied.text}`);
        }
        for (const name of server.guesses) {
          const guessed = await attempt(() => session.call(name, {}));
          const leaked = new RegExp(server.secretText).test(guessed.text);
          check(`${where}: ${name} reaches nothing`, !guessed.ok && !leaked, `expected a refusal (the gateway's, or the upstream's "unknown tool"), got ${guessed.ok ? 'a result' : 'an error'}: ${guessed.text}`);
        }
      } else {
        const secret = await attempt(() => session.call(server.secret, {}));
        check(`${where}: ${server.secret}()`, secret.ok && new RegExp(server.secretText).test(secret.text), `expected the upstream's own answer, got ${secret.text}`);
      }
    }
  } finally {
    await withTimeout(session.close(), 5_000, 'close').catch((err) => log(`close: ${describe(err)}`));
  }
}

/**
 * A call's outcome as text: what the library returned (content texts, or the whole value), or the
 * error it threw, with its cause. A result flagged isError counts as not ok.
 */
async function attempt(fn) {
  try {
    const value = await withTimeout(fn(), STEP_TIMEOUT_MS, 'call');
    const isError = Boolean(value && typeof value === 'object' && (value.isError || value.error));
    return { ok: !isError, text: textOf(value) };
  } catch (err) {
    return { ok: false, text: describe(err) };
  }
}

function textOf(value) {
  if (typeof value === 'string') return value;
  const content = Array.isArray(value) ? value : (value?.content ?? value?.contents ?? value?.messages?.map((m) => m.content));
  if (Array.isArray(content) && content.every((c) => c && typeof c.text === 'string')) return content.map((c) => c.text).join('\n') || JSON.stringify(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function describe(err) {
  if (!(err instanceof Error)) return typeof err === 'string' ? err : JSON.stringify(err);
  const parts = [`${err.name}: ${err.message}`];
  if (err.code !== undefined) parts.push(`code ${err.code}`);
  if (err.data !== undefined) parts.push(`data ${JSON.stringify(err.data)}`);
  if (err.cause) parts.push(`cause ${describe(err.cause)}`);
  return parts.join('; ');
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms); }),
  ]);
}

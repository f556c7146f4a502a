import { UsageError } from './args.js';
import { healthCommand, HEALTH_USAGE } from './commands/health.js';
import { routesCommand, ROUTES_USAGE } from './commands/routes.js';
import { runCommand, RUN_USAGE } from './commands/run.js';
import { validateCommand, VALIDATE_USAGE } from './commands/validate.js';
import { EXIT, type CliIo } from './io.js';
import { CLI_VERSION } from './version.js';

/** A command: its arguments (after the command name) and io in, an exit code out. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** The commands, each with its `--help` text. */
export const COMMANDS: Readonly<Record<string, { run: Command; usage: string }>> = {
  run: { run: runCommand, usage: RUN_USAGE },
  validate: { run: validateCommand, usage: VALIDATE_USAGE },
  routes: { run: routesCommand, usage: ROUTES_USAGE },
  health: { run: healthCommand, usage: HEALTH_USAGE },
};

/** `mcp-gateway --help`. */
export const USAGE = `Usage: mcp-gateway <command> [options]

Commands:
  run -c <config.yml>        start the gateway
  validate -c <config.yml>   check a configuration file; every problem with its line
  routes -c <config.yml>     print the routing table; --explain '<json>' for one message
  health [-c <config.yml> | --url <url>]
                             ask a running gateway for /health; exit 0 only when ok

Options:
  -h, --help                 show help (also after a command: mcp-gateway run --help)
  -v, --version              print the version

Environment (run): REDIS_URL, RATE_LIMIT_KEY_PREFIX, MCP_GATEWAY_ENV, NODE_ENV.
`;

/**
 * The whole command line: dispatches to a command and turns a wrong command line into a
 * message plus usage on stderr and exit code 2. Never throws for an operator's mistake.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(`mcp-gateway: missing command\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  if (first === '-h' || first === '--help') {
    io.stdout.write(USAGE);
    return EXIT.OK;
  }
  if (first === 'help') {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    io.stdout.write(topic?.usage ?? USAGE);
    return EXIT.OK;
  }
  if (first === '-v' || first === '--version') {
    io.stdout.write(`${CLI_VERSION}\n`);
    return EXIT.OK;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) {
    const what = first.startsWith('-') ? `unknown option ${first}` : `unknown command "${first}"`;
    io.stderr.write(`mcp-gateway: ${what}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`mcp-gateway ${first}: ${error.message}\n\n${command.usage}`);
      return EXIT.USAGE;
    }
    throw error;
  }
}

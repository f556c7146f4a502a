import { CONFIG_OPTION, HELP_OPTION, parseCommandArgs, requireConfigPath } from '../args.js';
import { configWarnings, summarizeConfig } from '../describe-config.js';
import { EXIT, type CliIo } from '../io.js';
import { checkConfig, loadConfigFile } from '../load-config.js';
import { reportLoadFailure, reportProblems } from '../report.js';

/** `mcp-gateway validate --help`. */
export const VALIDATE_USAGE = `Usage: mcp-gateway validate -c <config.yml>

Checks a configuration file as \`run\` would, the environment included (\${ENV} placeholders,
RATE_LIMIT_KEY_PREFIX), without starting anything. Prints a one-line summary and exits 0, or
lists every problem as \`file:line:column path: message (CODE)\` and exits 1.

Options:
  -c, --config <file>  the configuration file (YAML)
  -h, --help           show this help
`;

/** `mcp-gateway validate -c config.yml`: 0 when valid, 1 with every problem listed. */
export async function validateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(argv, { ...CONFIG_OPTION, ...HELP_OPTION });
  if (args.help) {
    io.stdout.write(VALIDATE_USAGE);
    return EXIT.OK;
  }
  const file = requireConfigPath(args.config);
  const loaded = await loadConfigFile(file, io.cwd);
  if (!loaded.ok) return reportLoadFailure(loaded, file, io);
  const checked = checkConfig(loaded.config, io.env);
  if (!checked.ok) return reportProblems(file, checked.problems, io);
  io.stdout.write(`${file}: ok (${summarizeConfig(loaded.config.value, checked.options)})\n`);
  for (const warning of configWarnings(checked.options)) io.stderr.write(`${file}: warning: ${warning}\n`);
  return EXIT.OK;
}

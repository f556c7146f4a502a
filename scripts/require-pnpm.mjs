// The root's preinstall: this repository is a pnpm workspace (its packages depend on each other
// as workspace:*), so any other package manager stops here with what to run instead, rather than
// installing something that fails later with type errors. No dependencies: it runs before any.
const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith('pnpm/')) {
  const used = agent.split(' ')[0] || 'this package manager';
  process.stderr.write(
    [
      '',
      `This repository is a pnpm workspace; ${used} cannot install it.`,
      'Install with pnpm 10 instead, for example:',
      '',
      '  corepack enable && pnpm install',
      '  npx pnpm@10.34.8 install',
      '',
      'To use the packages in your own project, install them there (see "Install into your project" in README.md).',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

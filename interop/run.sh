#!/usr/bin/env bash
# Runs third-party MCP clients through the gateway to third-party MCP servers (see README.md):
# every client against every server directly, through a gateway in front of each server, and
# through one gateway in front of all of them; fails when a combination fails through the gateway.
# Needs: node and npm on PATH (the gateway, the servers and the clients run on that node), the
# repository built (pnpm -r build). Installs its own pinned packages into interop/node_modules.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

# Reinstall only when the lockfile changed since the last install.
stamp=node_modules/.lock-sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  # timeout: an unreachable registry must not hang CI.
  timeout 300 npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

if [[ ! -f ../packages/cli/dist/bin.js ]]; then
  echo "interop: packages/cli/dist/bin.js is missing; building the repository" >&2
  (cd .. && pnpm -r build >/dev/null)
fi

# run.mjs keeps to a 4-minute budget and prints its table whatever happens; this is the backstop.
exec timeout --kill-after=10 300 node run.mjs "$@"

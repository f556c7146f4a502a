#!/usr/bin/env bash
# Runs the MCP conformance suite's server scenarios (session-based revisions against server-everything
# and scenario-server.mjs, revision 2026-07-28 against scenario-server-2026.mjs), each directly and
# through the gateway, and fails when the gateway loses a scenario (see README.md).
# Needs: node and npm on PATH (the gateway runs on that node), the repository built (pnpm -r build).
# Installs its own pinned packages, a Node 22 binary among them, into conformance/node_modules.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

# Reinstall only when the lockfile changed since the last install.
stamp=node_modules/.lock-sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -x node_modules/node/bin/node || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  # timeout: an unreachable registry must not hang CI.
  timeout 300 npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

if [[ ! -f ../packages/cli/dist/bin.js ]]; then
  echo "conformance: packages/cli/dist/bin.js is missing; building the repository" >&2
  (cd .. && pnpm -r build >/dev/null)
fi

GATEWAY_NODE="$(command -v node)" exec timeout --kill-after=10 600 node_modules/node/bin/node run.mjs "$@"

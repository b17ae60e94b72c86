#!/usr/bin/env bash
# Re-records the expected answers of crates/kql/tests/fixtures from Microsoft's Kusto.Language
# (the kql-oracle in shared/tools/kql-oracle). Needs node + npm and the npm registry.
#
#   crates/kql/tests/oracle/record.sh            # hand-written + corpus fixtures
#   ORACLE_DIR=/tmp/kqlo crates/kql/tests/oracle/record.sh   # reuse an installed oracle
#
# The oracle directory is read-only in the shared tree, so it is copied to a temporary
# directory and installed there with `npm ci` (the package-lock pins 12.4.1).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
shared="${SHARED_DIR:-$repo/../shared}"
oracle="${ORACLE_DIR:-}"
if [ -z "$oracle" ]; then
  oracle="$(mktemp -d)"
  trap 'rm -rf "$oracle"' EXIT
  cp -r "$shared/tools/kql-oracle/." "$oracle/"
  chmod -R u+w "$oracle"
  (cd "$oracle" && npm ci --no-audit --no-fund >/dev/null)
fi
node "$here/record.js" --oracle "$oracle" --corpus "$shared/corpus" --fixtures "$here/../fixtures" "$@"

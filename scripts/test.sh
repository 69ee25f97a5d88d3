#!/usr/bin/env bash
# The project's test command: lint and format check, type-check and build, then every test file
# under node's test runner (its summary closes the output).
# Usage: npm test [-- FILE...]   (default: all of test/**/*.test.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  npx eslint .
  npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
fi
npx tsc -p tsconfig.json
if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
exec node --import tsx --test --test-concurrency=1 "${files[@]}"

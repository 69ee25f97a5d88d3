#!/usr/bin/env bash
# The project's test command: builds, then runs every test file under node's test runner.
# Usage: npm test [-- FILE...]   (default: all of test/**/*.test.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
exec node --import tsx --test --test-concurrency=1 "${files[@]}"

#!/usr/bin/env node
// The drover command: a thin launcher for the compiled CLI.
import { main } from "../dist/src/cli/main.js";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(
      `drover: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    process.exit(70);
  },
);

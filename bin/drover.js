#!/usr/bin/env node
// The drover command: a thin launcher for the compiled CLI.
import { runCli } from "../dist/src/cli/entry.js";

runCli(process.argv.slice(2));

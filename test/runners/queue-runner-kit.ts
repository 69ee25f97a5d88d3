/**
 * Test helpers for the queue runners: recorded fixtures read as query replies, the real test host
 * reached over SSH (tests skip when they cannot start it), command specs rendered as the batch
 * program would run them, and the truncation/fuzz driver.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CommandSpec, ParsedPoll, QueryReply } from "../../src/runners/runner.js";
import { END_LINE } from "../../src/runners/common/query-output.js";
import { shellPath, shellQuote } from "../../src/script/shell-quote.js";

const ROOT = join(import.meta.dirname, "..", "..");
const SSH_CONFIG = join(ROOT, ".hosts", "ssh_config");
export const HOST = "drover-test-a";

/** A recorded fixture's output, without its comment header lines. */
export function fixture(name: string): string {
  const text = readFileSync(join(ROOT, "test", "fixtures", "runners", name), "utf8");
  const lines = text.split("\n");
  while (lines.length > 0 && /recorded from the project's test host|^# constructed/.test(lines[0] as string))
    lines.shift();
  return lines.join("\n");
}

/** A successful query reply carrying `body` and the end line the query scripts print. */
export function reply(body: string, boot = "boot-1"): QueryReply {
  const text = body === "" || body.endsWith("\n") ? body : `${body}\n`;
  return { rc: 0, text: `${text}${END_LINE}\n`, boot };
}

/** A command spec as shell text: words quoted once, `~/` paths expanded by the remote shell. */
export function render(spec: CommandSpec): string {
  const words = spec.argv.map((a) => (typeof a === "string" ? shellQuote(a) : shellPath(a.path)));
  return `${words.join(" ")} <${shellPath(spec.stdin ?? "/dev/null")}`;
}

/** Real runner hosts can be started here (the test/hosts scripts need root, as in CI). */
export const canStartHosts = process.getuid?.() === 0;

/** Runs bash text on the test host: exit code and combined output. */
export function ssh(script: string, timeoutMs = 30_000): { rc: number; text: string } {
  const r = spawnSync(
    "ssh",
    ["-F", SSH_CONFIG, "-o", "BatchMode=yes", HOST, `bash -c ${shellQuote(script)}`],
    {
      encoding: "utf8",
      timeout: timeoutMs,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return { rc: r.status ?? 255, text: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Runs a query spec on the test host as the poll program would: a reply. */
export function runQuery(spec: CommandSpec): QueryReply {
  const r = ssh(
    `${render(spec)}; rc=$?; printf '\\n@@rc=%s boot=%s\\n' "$rc" "$(cat /proc/sys/kernel/random/boot_id)"`,
  );
  const m = /\n?\n@@rc=([0-9]+) boot=(\S+)\n$/.exec(r.text);
  if (!m) throw new Error(`no rc from the host: ${r.text}`);
  return {
    rc: Number(m[1]),
    text: r.text.slice(0, m.index) + (r.text.slice(0, m.index) === "" ? "" : "\n"),
    boot: m[2] as string,
  };
}

/** Runs a submit spec as the submit program does: combined output, rc, and the ID by `idPattern`. */
export function runSubmit(spec: CommandSpec): { rc: number; id: string; output: string } {
  const pat = shellQuote(spec.idPattern ?? "");
  const r =
    ssh(`o=$(${render(spec)} 2>&1); rc=$?; id=; pat=${pat}; if [[ -n $pat && $o =~ $pat ]]; then id=\${BASH_REMATCH[1]}; fi
printf '%s\\n%s\\n%s' "$rc" "$id" "$o"`);
  const [rc, id, ...rest] = r.text.split("\n");
  return { rc: Number(rc), id: id ?? "", output: rest.join("\n") };
}

/** Matches `text` with a submit idPattern in real bash (`[[ =~ ]]`, as the submit program does). */
export function bashMatch(pattern: string, text: string): string {
  const r = spawnSync(
    "bash",
    ["-c", 'if [[ $2 =~ $1 ]]; then printf %s "${BASH_REMATCH[1]}"; fi', "x", pattern, text],
    {
      encoding: "utf8",
    },
  );
  return r.stdout;
}

/**
 * Polls every prefix of `full` (each cut point): the whole text must parse, and a cut may only be
 * an error or the very same answers (a lost row never reads as "job gone").
 */
export function assertCutsAgree(parse: (text: string) => ParsedPoll, full: string, label = ""): void {
  const whole = parse(full);
  assert.ok(whole.ok, whole.ok ? label : `${label}: ${whole.error}`);
  for (let cut = 0; cut < full.length; cut++) {
    const p = parse(full.slice(0, cut));
    if (p.ok) assert.deepEqual(p.answers, whole.answers, `${label} cut at ${cut}`);
  }
}

/** Writes `<dir>/job` on the test host: a bash script of `lines` (directives) then `true`. */
export function writeJobScript(dir: string, lines: readonly string[]): void {
  const words = ["#!/bin/bash", ...lines, "true"].map(shellQuote).join(" ");
  const r = ssh(`mkdir -p ${dir} && printf '%s\\n' ${words} >${dir}/job`);
  assert.equal(r.rc, 0, r.text);
}

/** `n` random byte strings from a fixed seed. */
export function randomTexts(n: number, seed = 7): string[] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s);
  const alphabet =
    "0123456789|;:=.-_ \t\nabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@#\u00e9\u0000\r";
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    let t = "";
    const len = next() % 300;
    for (let i = 0; i < len; i++) t += alphabet[next() % alphabet.length];
    out.push(t);
  }
  return out;
}

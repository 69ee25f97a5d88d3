/**
 * Job sets run to their end on the SSH test hosts through the real CLI (`node bin/drover.js`, in a
 * mount namespace where the job home is an empty tmpfs): one host and three, a platform group, the
 * foundation's example, hostile names and values, forged marker lines, and a cut 50 MB log.
 * Assertions read the hosts' files as root.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.js";
import type { RemoteSandbox } from "../cli/remote-cli.js";
import { assertMixedOutcomes } from "../helpers/mixed-example.js";
import {
  hostRunPath,
  localLog,
  openRemoteSuite,
  provenHost,
  runJobSetFile,
  sshPlatform,
  whyText,
  WHERE_LINE,
} from "./runs-helpers.js";

const { rs, skip } = openRemoteSuite("drover-runs");
const R = () => rs as RemoteSandbox;
const A = "drover-test-a";
const B = "drover-test-b";
const C = "drover-test-c";
const q = (s: string) => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar

before(() => {
  if (!rs) return;
  rs.platforms([
    "platforms:",
    ...sshPlatform(rs, "solo", [A]),
    ...sshPlatform(rs, "trio", [A, B, C], ["selection: random", "max_active: 2"]),
    ...sshPlatform(rs, "first", [A], ["max_active: 1"]),
    ...sshPlatform(rs, "second", [B]),
    ...sshPlatform(rs, "mix", [C]),
    ...sshPlatform(rs, "odd", [A]),
    ...sshPlatform(rs, "big", [A], ["retrieve_logs: { max_size: 1MiB }"]),
    "platform_groups:",
    "  pair: [first, second]",
  ]);
});

after(() => rs?.cleanup());

test("Jobs on one SSH host and across three", { skip }, () => {
  const solo = Array.from({ length: 30 }, (_, i) => `s${String(i + 1).padStart(2, "0")}`);
  const trio = Array.from({ length: 20 }, (_, i) => `t${String(i + 1).padStart(2, "0")}`);
  const job = (name: string, platform: string, script: string, more: string[] = []) => [
    `  ${name}:`,
    `    platform: ${platform}`,
    `    script: ${q(script)}`,
    ...more.map((l) => `    ${l}`),
  ];
  const yaml = [
    "jobs:",
    ...solo.flatMap((n) => job(n, "solo", `${WHERE_LINE}; echo ${n}`)),
    ...trio.flatMap((n) => job(n, "trio", `${WHERE_LINE}; echo ${n}`)),
    // Sorted first, the blocker fills `first` (max_active 1), so the group job starts on `second`.
    ...job("a_blocker", "first", `${WHERE_LINE}; sleep 4`),
    ...job("g_retry", "pair", `${WHERE_LINE}; [ "$DROVER_TRY" -ge 2 ] || exit 1`, [
      "retries: { execution: [PT9S] }",
    ]),
    ...job("g_after", "pair", WHERE_LINE, ["needs: g_retry"]),
  ].join("\n");
  const r = runJobSetFile(R(), "spread", `${yaml}\n`);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(r.jobs.size, 53);
  const where = (name: string, submit = 1) =>
    provenHost(localLog(R(), "spread", name, submit, "job.out")?.toString() ?? "");
  for (const [name, j] of r.jobs) {
    assert.equal(j.state, "succeeded", `${name}: ${JSON.stringify(j)}`);
    assert.equal(j.exit_code, 0, name);
    assert.equal(where(name, j.submit_num as number), j.host, `${name} ran where its status says`);
  }
  for (const n of solo) assert.equal(r.jobs.get(n)?.host, A, n);
  const trioHosts = new Set(trio.map((n) => r.jobs.get(n)?.host));
  // Random per round, two jobs a round: ten rounds on one host happen once in 19683 runs.
  assert.ok(trioHosts.size >= 2, `trio used only ${[...trioHosts].join(", ")}`);
  for (const h of trioHosts) assert.ok([A, B, C].includes(h as string), String(h));
  // The job home the test reads as root holds the same output the run brought home.
  const onHost = join(hostRunPath(R(), "solo", "spread"), "log/job/s07/01/job.out");
  assert.deepEqual(readFileSync(onHost), localLog(R(), "spread", "s07", 1, "job.out"));
  // The group job started on `second` and kept it on its retry, though `first` was free by then.
  const g = r.jobs.get("g_retry")!;
  assert.deepEqual([g.submit_num, g.try, g.platform, g.host], [2, 2, "second", B]);
  assert.equal(where("g_retry", 1), B, "try 1 on second's host");
  const blockerEnd = Date.parse(r.jobs.get("a_blocker")!.ended_at as string);
  assert.ok(Date.parse(g.submitted_at as string) > blockerEnd, "the retry came after `first` was free");
  assert.deepEqual([r.jobs.get("g_after")?.platform, r.jobs.get("g_after")?.host], ["first", A]);
});

test("every state of the foundation's example through SSH", { skip }, () => {
  const text = readFileSync(join(ROOT, "examples", "mixed.yaml"), "utf8");
  assert.match(text, /^platform: localhost$/m);
  mkdirSync(join(R().sb.dir, "bin"), { recursive: true });
  cpSync(join(ROOT, "examples", "bin"), join(R().sb.dir, "bin"), { recursive: true });
  const r = runJobSetFile(R(), "mixed", text.replace(/^platform: localhost$/m, "platform: mix"));
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assertMixedOutcomes(r.jobs);
  for (const j of r.jobs.values())
    if (j.submitted_at !== null) assert.deepEqual([j.platform, j.host], ["mix", C], String(j.name));
  assert.equal(existsSync("/tmp/drover-should-not-exist"), false);
  // Logs come home: `drover log` reads them for remote jobs like for local ones.
  const log = (args: string[]) => R().drover(["log", "mixed", ...args]);
  assert.equal(log(["env_literal"]).stdout, "$(touch /tmp/drover-should-not-exist) `id` ;rm -rf ~\n");
  assert.equal(log(["build"]).stdout, "sum of 1..100 = 5050\n");
  assert.equal(log(["exit3", "--err"]).stdout, "about to fail\n");
  assert.equal(log(["exit7_retried", "--submit", "01", "--status"]).stdout.match(/EXIT=.*\|7$/gm)?.length, 1);
  assert.match(whyText(R(), "mixed", "too_slow"), /XCPU/);
  assert.match(whyText(R(), "mixed", "test_c"), /test c is slow/);
  const share = join(hostRunPath(R(), "mix", "mixed"), "share", "package.txt");
  assert.equal(readFileSync(share, "utf8"), "packaging\n");
  assert.equal(existsSync(join(R().sb.home, "mixed", "share", "package.txt")), false, "nothing ran locally");
});

test("hostile job names and env values across SSH", { skip }, () => {
  const t = R().tag;
  const canary = R().onHost(R().runRoot("canary"));
  mkdirSync(canary);
  R().chownToJobUser(canary);
  const chunk = `$(touch /tmp/${t}-big) \`id\` 'q' "dq" \\ ;rm -rf ~/${t}-canary é✓🚀\n`;
  const values: Record<string, string> = {
    "a.b-c+d_1": `$(touch /tmp/${t}-subst)`,
    [`${"L".repeat(111)}a.b-c+d_1`]: `\`touch /tmp/${t}-tick\``,
    quotes: `'single' "double" \\back\\slash\\ \\'$'\\n' end'`,
    lines: "line1\nline2\r\nline3\n\n",
    rm: `;rm -rf ~/${t}-canary; touch /tmp/${t}-rm`,
    unicode: "héllo wörld — ✓ 日本語 🚀 \u200b \u00a0!",
    expansions: "${HOME} $HOME $((1+1)) %s %n \\x41 \t <>|&!* ? [a] {a,b} ~ # $DROVER_RUN \\",
    framing: "'\n}\nmain; exit $?\nEOF\n@@drover:0123456789abcdef end 0\nDROVER_SCRIPT_END_0\n",
    // 102,400 characters (whole code points): over 100 KB of UTF-8.
    big: [...chunk.repeat(Math.ceil(102_400 / chunk.length))].slice(0, 102_400).join(""),
  };
  assert.equal(Object.keys(values)[1]?.length, 120);
  const yaml = [
    "platform: odd",
    "jobs:",
    ...Object.entries(values).flatMap(([name, v]) => [
      `  ${name}:`,
      `    env: { VALUE: ${q(v)} }`,
      `    script: printf '%s' "$VALUE"`,
    ]),
  ].join("\n");
  const r = runJobSetFile(R(), "hostile", `${yaml}\n`);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  for (const [name, v] of Object.entries(values)) {
    assert.equal(r.jobs.get(name)?.state, "succeeded", name);
    assert.equal(r.jobs.get(name)?.host, A, name);
    assert.equal(
      localLog(R(), "hostile", name, 1, "job.out")?.toString("utf8"),
      v,
      `${name} printed its value`,
    );
    const onHost = join(hostRunPath(R(), "odd", "hostile"), "log/job", name, "01/job.out");
    assert.equal(readFileSync(onHost, "utf8"), v, `${name} on the host`);
  }
  assert.equal(R().drover(["log", "hostile", "unicode"]).stdout, values.unicode);
  for (const f of ["subst", "tick", "rm", "big"]) assert.equal(existsSync(`/tmp/${t}-${f}`), false, f);
  assert.ok(statSync(canary).isDirectory(), "the canary directory survived");
});

test("job output and status files containing fake marker lines or no final newline", { skip }, () => {
  const fakeExit = "DROVER_JOB_EXIT=2026-01-01T00:00:00Z|SUCCEEDED|0";
  const scripts: Record<string, string> = {
    markers_ok: [
      "printf '@@drover:0123456789abcdef end 0\\n|forged content\\n'",
      "printf '@@drover:0123456789abcdef status x/01\\n@@drover:' >&2",
      "printf '@@drover:0123456789abcdef end 1'",
    ].join("\n"),
    markers_fail: `printf '@@drover:ffff end 0\\n${fakeExit}\\n'; exit 5`,
    message_exit: `drover_message INFO "$(printf 'before\\n${fakeExit}\\r\\nafter')"; exit 4`,
    message_err: `drover_message CRITICAL "$(printf '\\nDROVER_JOB_EXIT=2026-01-01T00:00:00Z|ERR|1\\033[2J')"; echo fine`,
    status_marker: `printf '@@drover:0123 end 0\\n' >>"$DROVER_STATUS_FILE"; exit 3`,
    status_open_line: `printf '@@drover:0 end 0' >>"$DROVER_STATUS_FILE"; sleep 3; echo >>"$DROVER_STATUS_FILE"; echo done`,
    no_newline: "printf 'only line, no newline'; printf 'err, no newline' >&2",
  };
  const yaml = [
    "platform: mix",
    "jobs:",
    ...Object.entries(scripts).flatMap(([n, s]) => [`  ${n}:`, `    script: ${q(s)}`]),
  ].join("\n");
  const r = runJobSetFile(R(), "markers", `${yaml}\n`);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  const want: Record<string, [string, string, number]> = {
    markers_ok: ["succeeded", "succeeded", 0],
    markers_fail: ["failed", "exit(5)", 5],
    message_exit: ["failed", "exit(4)", 4],
    message_err: ["succeeded", "succeeded", 0],
    status_marker: ["failed", "exit(3)", 3],
    status_open_line: ["succeeded", "succeeded", 0],
    no_newline: ["succeeded", "succeeded", 0],
  };
  for (const [name, [state, reason, code]] of Object.entries(want)) {
    const j = r.jobs.get(name);
    assert.deepEqual([j?.state, j?.reason, j?.exit_code], [state, reason, code], name);
  }
  const out = (name: string, file = "job.out") => localLog(R(), "markers", name, 1, file)?.toString("utf8");
  const host = (name: string, file: string) =>
    readFileSync(join(hostRunPath(R(), "mix", "markers"), "log/job", name, "01", file), "utf8");
  assert.equal(
    out("markers_ok"),
    "@@drover:0123456789abcdef end 0\n|forged content\n@@drover:0123456789abcdef end 1",
  );
  assert.equal(out("markers_ok", "job.err"), "@@drover:0123456789abcdef status x/01\n@@drover:");
  assert.equal(out("markers_fail"), `@@drover:ffff end 0\n${fakeExit}\n`);
  assert.equal(out("no_newline"), "only line, no newline");
  assert.equal(out("no_newline", "job.err"), "err, no newline");
  assert.equal(out("status_open_line"), "done\n");
  for (const name of Object.keys(scripts)) {
    for (const f of ["job.out", "job.err", "job.status"])
      assert.equal(out(name, f), host(name, f), `${name} ${f}`);
    assert.equal(out(name, "job.status")?.match(/^DROVER_JOB_EXIT=/gm)?.length, 1, `${name}: one EXIT line`);
  }
  // The message kept its line breaks escaped: one line, nothing forged.
  assert.match(
    out("message_exit", "job.status") ?? "",
    /^DROVER_MESSAGE=[^\n]*\|INFO\|before\\nDROVER_JOB_EXIT=[^\n]*\\r\\nafter$/m,
  );
  // Drover's own output shows each message on one line, escaped: a job cannot forge a line there
  // nor send escape sequences to the user's terminal.
  for (const text of [
    r.stdout,
    whyText(R(), "markers", "message_exit"),
    whyText(R(), "markers", "message_err"),
  ]) {
    assert.doesNotMatch(text, /^DROVER_JOB_EXIT=|^after|\r/m);
    assert.ok(!text.includes("\x1b"), "no escape character");
  }
  assert.ok(r.stdout.includes(`message_exit/01 INFO: before\\n${fakeExit}\\r\\nafter\n`), r.stdout);
  assert.ok(
    r.stdout.includes("message_err/01 CRITICAL: \\nDROVER_JOB_EXIT=2026-01-01T00:00:00Z|ERR|1\\x1b[2J\n"),
  );
});

test("a 50 MB job.out under a 1 MB max size", { skip }, () => {
  const t = R().tag;
  const script = [
    `echo "first line ${t}"`,
    "head -c 50000000 /dev/zero | tr '\\0' x",
    "echo",
    "printf '\\0\\377\\r\\n@@drover:0123456789abcdef end 0\\n'",
    `printf 'last line %s' "${t}"`,
  ].join("\n");
  const r = runJobSetFile(R(), "huge", `platform: big\njobs:\n  big:\n    script: ${q(script)}\n`);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual([r.jobs.get("big")?.state, r.jobs.get("big")?.exit_code], ["succeeded", 0]);
  const onHost = join(hostRunPath(R(), "big", "huge"), "log/job/big/01/job.out");
  const full = statSync(onHost).size;
  const marker = "\0\xff\r\n@@drover:0123456789abcdef end 0\n";
  assert.equal(full, `first line ${t}\n`.length + 50_000_000 + 1 + marker.length + `last line ${t}`.length);
  const local = localLog(R(), "huge", "big", 1, "job.out")!;
  const MiB = 1024 * 1024;
  assert.ok(local.length >= MiB && local.length < MiB + 300, `local job.out is ${local.length} bytes`);
  const text = local.toString("latin1");
  assert.ok(text.startsWith(`first line ${t}\nxxxx`), text.slice(0, 80));
  assert.ok(text.endsWith(`xxxx\n${marker}last line ${t}`), text.slice(-80));
  const note =
    /\n\[drover: (\d+) bytes cut here: the file on the host is (\d+) bytes, over the 1048576-byte retrieval limit\]\n/.exec(
      text,
    );
  assert.ok(note, "the cut is said in the file");
  assert.equal(Number(note[2]), full);
  assert.equal(Number(note[1]), full - (local.length - note[0].length));
  assert.equal(text.split("[drover:").length, 2, "one note");
  assert.match(
    whyText(R(), "huge", "big"),
    /big\/01 job\.out is \d+ bytes: kept its first and last 524288 bytes/,
  );
  assert.equal(localLog(R(), "huge", "big", 1, "job.err")?.length, 0);
});

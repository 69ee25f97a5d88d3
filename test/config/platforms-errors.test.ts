import { test } from "node:test";
import assert from "node:assert/strict";
import { parseJobSet, parsePlatformFile } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";

const y = (...lines: string[]) => lines.join("\n") + "\n";
/** A user file with one platform `c` on host h, plus the lines given under it. */
const plat = (...extra: string[]) => y("platforms:", "  c:", "    hosts: h", ...extra);

interface Bad {
  what: string;
  text: string;
  line: number;
  key: string | undefined;
  message: RegExp;
}

// One row per refused platform file: the exact line and key path the message must start with.
// prettier-ignore
const BAD: Bad[] = [
  { what: "top-level list", text: y("- a"), line: 1, key: undefined, message: /expected a mapping with platforms and platform_groups, got a list/ },
  { what: "unknown top key", text: y("platfroms: {}"), line: 1, key: "platfroms", message: /unknown key "platfroms" \(allowed: platforms, platform_groups\)/ },
  { what: "platforms as a list", text: y("platforms:", "  - c"), line: 1, key: "platforms", message: /expected a mapping, got a list/ },
  { what: "platform null", text: y("platforms:", "  c:"), line: 2, key: "platforms.c", message: /expected a mapping, got null/ },
  { what: "duplicate platform", text: y("platforms:", "  c: { hosts: a }", "  c: { hosts: b }"), line: 3, key: "platforms.c", message: /duplicate key c/ },
  { what: "__proto__ platform", text: y("platforms:", "  __proto__: { hosts: a }"), line: 2, key: "platforms.__proto__", message: /__proto__ is not allowed/ },
  { what: "bad platform name", text: y("platforms:", "  a b: { hosts: h }"), line: 2, key: 'platforms["a b"]', message: /bad platform name "a b"/ },
  { what: "unknown platform key", text: plat("    hots: x"), line: 4, key: "platforms.c.hots", message: /unknown key "hots" \(allowed: hosts, selection, runner, cluster, install_target, run_root, ssh,/ },
  { what: "missing hosts", text: y("platforms:", "  c:", "    runner: background"), line: 2, key: "platforms.c.hosts", message: /missing required key hosts/ },
  { what: "host with a space", text: y("platforms:", "  c:", "    hosts: [a, 'b c']"), line: 3, key: "platforms.c.hosts[1]", message: /bad host "b c": no spaces/ },
  { what: "host as an ssh option", text: y("platforms:", "  c:", "    hosts: -oProxyCommand=sh"), line: 3, key: "platforms.c.hosts", message: /cannot start with -/ },
  { what: "host with shell characters", text: y("platforms:", "  c:", "    hosts:", "      - ok", "      - a;rm"), line: 5, key: "platforms.c.hosts[1]", message: /no shell characters/ },
  { what: "host with $", text: y("platforms:", "  c:", "    hosts: $(id)"), line: 3, key: "platforms.c.hosts", message: /bad host "\$\(id\)"/ },
  { what: "host listed twice", text: y("platforms:", "  c:", "    hosts: [a, b, a]"), line: 3, key: "platforms.c.hosts[2]", message: /host a is listed twice/ },
  { what: "no hosts", text: y("platforms:", "  c:", "    hosts: []"), line: 3, key: "platforms.c.hosts", message: /hosts is empty/ },
  { what: "hosts a mapping", text: y("platforms:", "  c:", "    hosts: { a: 1 }"), line: 3, key: "platforms.c.hosts", message: /hosts must be one value or a list, got a mapping/ },
  { what: "unknown runner", text: plat("    runner: slurmx"), line: 4, key: "platforms.c.runner", message: /unknown runner "slurmx" \(known: background, at, slurm, sge, pbs, lsf\)/ },
  { what: "bad selection", text: plat("    selection: first"), line: 4, key: "platforms.c.selection", message: /selection must be definition-order or random, got "first"/ },
  { what: "bad connect", text: plat("    connect: yes"), line: 4, key: "platforms.c.connect", message: /connect must be auto or manual/ },
  { what: "bad install target", text: plat("    install_target: a/b"), line: 4, key: "platforms.c.install_target", message: /bad install target "a\/b"/ },
  { what: "relative run root", text: plat("    run_root: runs"), line: 4, key: "platforms.c.run_root", message: /bad run_root "runs": use an absolute path or one under ~\// },
  { what: "run root with ..", text: plat("    run_root: ~/a/../b"), line: 4, key: "platforms.c.run_root", message: /no \. or \.\. parts/ },
  { what: "run root of another user", text: plat("    run_root: ~bob/runs"), line: 4, key: "platforms.c.run_root", message: /bad run_root/ },
  { what: "run root a bare ~", text: plat("    run_root: ~"), line: 4, key: "platforms.c.run_root", message: /quote it \("~"\)/ },
  { what: "run root a number", text: plat("    run_root: 5"), line: 4, key: "platforms.c.run_root", message: /run_root must be a path, got a number/ },
  { what: "run root /", text: plat("    run_root: /"), line: 4, key: "platforms.c.run_root", message: /root directory/ },
  { what: "run root with a newline", text: plat('    run_root: "/a\\nb"'), line: 4, key: "platforms.c.run_root", message: /no line breaks/ },
  { what: "ssh a word", text: plat("    ssh: yes"), line: 4, key: "platforms.c.ssh", message: /ssh must be a mapping \{ command, options \} or none, got a string/ },
  { what: "ssh unknown key", text: plat("    ssh:", "      cmd: ssh"), line: 5, key: "platforms.c.ssh.cmd", message: /unknown key "cmd" \(allowed: command, options\)/ },
  { what: "ssh option with a newline", text: plat('    ssh: { options: [-o, "A=b\\nc"] }'), line: 4, key: "platforms.c.ssh.options[1]", message: /on one line/ },
  { what: "ssh options a string", text: plat("    ssh: { options: -v }"), line: 4, key: "platforms.c.ssh.options", message: /expected a list, got a string/ },
  { what: "ssh command an option", text: plat("    ssh: { command: -v }"), line: 4, key: "platforms.c.ssh.command", message: /ssh\.command must start with a program/ },
  { what: "empty rsync command", text: plat("    rsync: { command: '  ' }"), line: 4, key: "platforms.c.rsync.command", message: /rsync\.command is empty/ },
  { what: "shell with ;", text: plat("    shell: bash; rm -rf ~"), line: 4, key: "platforms.c.shell", message: /shell word "bash;" is not allowed/ },
  { what: "shell with $", text: plat("    shell: [bash, '$(id)']"), line: 4, key: "platforms.c.shell", message: /shell word "\$\(id\)"/ },
  { what: "install ..", text: plat("    install: [bin, ../x]"), line: 4, key: "platforms.c.install[1]", message: /relative path of names/ },
  { what: "install absolute", text: plat("    install: [/etc]"), line: 4, key: "platforms.c.install[0]", message: /relative path/ },
  { what: "unknown size unit", text: plat("    retrieve_logs: { max_size: 10XB }"), line: 4, key: "platforms.c.retrieve_logs.max_size", message: /bad size "10XB": unknown unit "XB"/ },
  { what: "zero size", text: plat("    retrieve_logs: { max_size: 0 }"), line: 4, key: "platforms.c.retrieve_logs.max_size", message: /at least 1 byte/ },
  { what: "negative size", text: plat("    retrieve_logs: { max_size: -5 }"), line: 4, key: "platforms.c.retrieve_logs.max_size", message: /whole number of at least 0/ },
  { what: "size a list", text: plat("    retrieve_logs: { max_size: [1] }"), line: 4, key: "platforms.c.retrieve_logs.max_size", message: /max_size must be a size such as 10MiB, got a list/ },
  { what: "retrieve_logs a number", text: plat("    retrieve_logs: 5"), line: 4, key: "platforms.c.retrieve_logs", message: /retrieve_logs must be a mapping \{ max_size, retry_delays \} or false, got a number/ },
  { what: "log retry delay", text: plat("    retrieve_logs:", "      retry_delays: [PT5S, 5s]"), line: 5, key: "platforms.c.retrieve_logs.retry_delays[1]", message: /bad duration "5s"/ },
  { what: "max_batch 0", text: plat("    max_batch: 0"), line: 4, key: "platforms.c.max_batch", message: /max_batch must be at least 1/ },
  { what: "max_sessions 1.5", text: plat("    max_sessions: 1.5"), line: 4, key: "platforms.c.max_sessions", message: /max_sessions must be a whole number/ },
  { what: "max_active text", text: plat("    max_active: lots"), line: 4, key: "platforms.c.max_active", message: /expected a number, got a string/ },
  { what: "empty polling list", text: plat("    polling: { submission: [] }"), line: 4, key: "platforms.c.polling.submission", message: /give at least one submission polling interval \(the last one repeats\)/ },
  { what: "zero polling interval", text: plat("    polling:", "      execution: [PT1M, PT0S]"), line: 5, key: "platforms.c.polling.execution[1]", message: /longer than zero/ },
  { what: "unknown polling key", text: plat("    polling:", "      timelimit: [PT1M]"), line: 5, key: "platforms.c.polling.timelimit", message: /unknown key "timelimit" \(allowed: submission, execution, time_limit\)/ },
  { what: "retry delay a number", text: plat("    retries: { execution: [30] }"), line: 4, key: "platforms.c.retries.execution[0]", message: /ISO 8601 duration such as PT5M, got a number/ },
  { what: "bad_host_time in seconds", text: plat("    bad_host_time: 60"), line: 4, key: "platforms.c.bad_host_time", message: /bad_host_time must be an ISO 8601 duration/ },
  { what: "zero connect timeout", text: plat("    connect_timeout: PT0S"), line: 4, key: "platforms.c.connect_timeout", message: /connect_timeout must be longer than zero/ },
  { what: "kill_grace in months", text: plat("    kill_grace: P1M"), line: 4, key: "platforms.c.kill_grace", message: /years and months are not supported/ },
  { what: "KILL as a fail signal", text: plat("    signals:", "      fail: [TERM, KILL]"), line: 5, key: "platforms.c.signals.fail[1]", message: /"KILL" is not a fail signal a job can trap/ },
  { what: "ERR as a vacation signal", text: plat("    signals: { vacation: [ERR] }"), line: 4, key: "platforms.c.signals.vacation[0]", message: /"ERR" is not a vacation signal/ },
  { what: "signal both fail and vacation", text: plat("    signals:", "      fail: [TERM]", "      vacation: [SIGTERM]"), line: 6, key: "platforms.c.signals.vacation", message: /signal TERM cannot be both/ },
  { what: "localhost hosts", text: y("platforms:", "  localhost:", "    max_active: 4", "    hosts: [a]"), line: 4, key: "platforms.localhost.hosts", message: /localhost is built in: only its tuning keys may be set \(polling, max_active/ },
  { what: "localhost ssh", text: y("platforms:", "  localhost: { ssh: none }"), line: 2, key: "platforms.localhost.ssh", message: /localhost is built in/ },
  { what: "localhost runner", text: y("platforms:", "  localhost:", "    runner: slurm"), line: 3, key: "platforms.localhost.runner", message: /localhost is built in/ },
  { what: "localhost run root", text: y("platforms:", "  localhost:", "    run_root: /x"), line: 3, key: "platforms.localhost.run_root", message: /localhost is built in/ },
  { what: "group shadowing a platform", text: y("platforms:", "  c: { hosts: h }", "platform_groups:", "  c: [localhost]"), line: 4, key: "platform_groups.c", message: /group c has the name of a platform/ },
  { what: "group named localhost", text: y("platform_groups:", "  localhost: [localhost]"), line: 2, key: "platform_groups.localhost", message: /the built-in one/ },
  { what: "group of groups", text: y("platform_groups:", "  a: [localhost]", "  b:", "    - localhost", "    - a"), line: 5, key: "platform_groups.b[1]", message: /a is a group: a group lists platforms, not groups/ },
  { what: "group of a group as a string", text: y("platform_groups:", "  a: [localhost]", "  b: a"), line: 3, key: "platform_groups.b", message: /a is a group/ },
  { what: "group member twice", text: y("platform_groups:", "  g: [localhost, localhost]"), line: 2, key: "platform_groups.g[1]", message: /platform localhost is listed twice/ },
  { what: "empty group", text: y("platform_groups:", "  g: []"), line: 2, key: "platform_groups.g", message: /a group needs a platform/ },
  { what: "group a mapping", text: y("platform_groups:", "  g: { a: 1 }"), line: 2, key: "platform_groups.g", message: /a group must be a platform name or a list of them, got a mapping/ },
  { what: "group member bad name", text: y("platform_groups:", "  g: [localhost, 'x y']"), line: 2, key: "platform_groups.g[1]", message: /bad platform name "x y"/ },
];

function expectError(run: () => unknown, file: string, bad: Omit<Bad, "what" | "text">): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
    const place = `${file}:${bad.line}${bad.key === undefined ? "" : ` (${bad.key})`}: `;
    assert.ok(err.message.startsWith(place), `expected "${place}..." got "${err.message.slice(0, 300)}"`);
    assert.match(err.message, bad.message);
    assert.equal(err.keyPath, bad.key);
    assert.ok(!err.message.includes("\n"), "one line");
    return true;
  });
}

for (const bad of BAD) {
  test(`platform file refused: ${bad.what}`, () => {
    expectError(() => parsePlatformFile(bad.text, "p.yaml"), "p.yaml", bad);
  });
}

// The same schema runs inside a job set: its errors name the job set file and its lines.
const JOBS = ["jobs:", "  a:", "    script: x"];
// prettier-ignore
const BAD_IN_JOB_SET: Bad[] = [
  { what: "unknown platform key", text: y(...JOBS, "platforms:", "  c:", "    hosts: h", "    sessions: 3"), line: 7, key: "platforms.c.sessions", message: /unknown key "sessions" \(allowed: hosts,/ },
  { what: "bad host", text: y(...JOBS, "platforms:", "  c: { hosts: [a, -b] }"), line: 5, key: "platforms.c.hosts[1]", message: /cannot start with -/ },
  { what: "localhost ssh", text: y("platforms:", "  localhost:", "    ssh: { command: ssh }", ...JOBS), line: 3, key: "platforms.localhost.ssh", message: /localhost is built in/ },
  { what: "group of groups", text: y(...JOBS, "platform_groups:", "  a: localhost", "  b: [a]"), line: 6, key: "platform_groups.b[0]", message: /a is a group/ },
  { what: "unknown runner", text: y(...JOBS, "platforms:", "  c:", "    hosts: h", "    runner: condor"), line: 7, key: "platforms.c.runner", message: /unknown runner "condor"/ },
  { what: "unknown top key lists the sections", text: y(...JOBS, "platform_group: {}"), line: 4, key: "platform_group", message: /\(allowed: platform, max_active, jobs, platforms, platform_groups\)/ },
];

for (const bad of BAD_IN_JOB_SET) {
  test(`job set platforms refused: ${bad.what}`, () => {
    expectError(() => parseJobSet(bad.text, "sets/set.yaml"), "sets/set.yaml", bad);
  });
}

test("the first problem in file order is reported across platforms", () => {
  const text = y("platforms:", "  a:", "    hosts: h", "    max_batch: 0", "  b:", "    hosts: ['x y']");
  expectError(() => parsePlatformFile(text, "p.yaml"), "p.yaml", {
    line: 4,
    key: "platforms.a.max_batch",
    message: /at least 1/,
  });
});

test("runners passed in replace the built-in list", () => {
  const text = y("platforms:", "  c: { hosts: h, runner: condor }");
  assert.equal(parsePlatformFile(text, "p.yaml", ["background", "condor"]).specs[0]?.runner, "condor");
  expectError(() => parsePlatformFile(text, "p.yaml", ["background"]), "p.yaml", {
    line: 2,
    key: "platforms.c.runner",
    message: /unknown runner "condor" \(known: background\)/,
  });
});

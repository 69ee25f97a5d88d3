/**
 * Host failures through the real CLI on the SSH test hosts, Drover unable to see the job user's
 * home except through SSH: a host down before a batch (the batch goes elsewhere), a connection cut
 * in the middle of a submit batch (no job runs twice; uncertain jobs are reconciled), a host that
 * comes back (its running jobs are polled), a changed host key (clear refusal, nothing sent
 * elsewhere), a tool missing from the login PATH, and login profiles that print a banner or read
 * stdin. Jobs count their own runs on the host (`share/<job>`), so "once" is counted there.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { hostCtl } from "../helpers/hosts.js";
import { e2eSandbox, openOrSkip, platformLines, RECORD, runsOf, until, type E2e } from "./e2e.js";

const { value: e2e, skip } = openOrSkip("SSH", e2eSandbox);
const E = () => e2e as E2e;
after(() => e2e?.cleanup());

const B = "drover-test-b";
const C = "drover-test-c";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes the platforms file: platform `p` on `hosts`, `over` replacing settings; returns its run root. */
function platform(hosts: string[], over: Record<string, string> = {}): string {
  const root = E().newRunRoot();
  E().platforms(["platforms:", ...platformLines("p", hosts, root, E().hosts.sshConfig, over)]);
  return root;
}

/** Writes job set `<run>.yaml` on platform `p`: every job runs `body` (default: record the run). */
function jobSet(run: string, jobs: string[], body = RECORD, more: string[] = []): string {
  const lines = jobs.flatMap((n) => [`  ${n}:`, `    script: ${JSON.stringify(body)}`, ...more]);
  return E().sb.write(`${run}.yaml`, ["platform: p", "jobs:", ...lines].join("\n") + "\n");
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `j${i + 1}`);

/** The texts of a run's events (of one kind). */
function texts(run: string, kind?: string): string[] {
  return E()
    .events(run)
    .filter((e) => kind === undefined || e.kind === kind)
    .map((e) => e.text);
}

/** The jobs' states, or [] while the run's store is still being made. */
function states(run: string): unknown[] {
  try {
    return [...E().status(run).values()].map((j) => j.state);
  } catch {
    return [];
  }
}

/** Every job succeeded in its first submission, on `host`, and ran exactly once (counted there). */
function assertRanOnce(run: string, root: string, jobs: string[], host: string): void {
  const status = E().status(run);
  const share = E().onHost(root, run, "share");
  for (const j of jobs) {
    const s = status.get(j);
    assert.equal(s?.state, "succeeded", `${j}: ${JSON.stringify(s)}`);
    assert.equal(s?.submit_num, 1, j);
    assert.equal(s?.host, host, j);
    assert.equal(runsOf(share, j), 1, `${j} ran once`);
  }
}

test(
  "a host whose sshd is stopped before a batch is marked bad; the batch goes to the next",
  { skip },
  async () => {
    const root = platform([B, C]);
    const jobs = names(3);
    const file = jobSet("down", jobs);
    hostCtl("stop", "b");
    try {
      const r = await E().run(["run", file]);
      assert.equal(r.code, 0, r.out);
    } finally {
      hostCtl("start", "b");
    }
    assertRanOnce("down", root, jobs, C);
    assert.ok(
      texts("down", "host").some(
        (t) => t.startsWith(`host ${B} marked bad until `) && /cannot connect/.test(t),
      ),
      texts("down").join("\n"),
    );
  },
);

test(
  "a connection cut in the middle of a submit batch: jobs go uncertain, are reconciled, run once",
  { skip },
  async (t) => {
    // Keepalives each second end a silent connection in about 3 s (the user's -o comes first and wins).
    const ssh = `["-F", ${JSON.stringify(E().hosts.sshConfig)}, -o, ServerAliveInterval=1, -o, ServerAliveCountMax=2]`;
    const root = platform([B], { max_batch: "50", ssh: `{ options: ${ssh} }` });
    const jobs = names(50);
    const file = jobSet("cut", jobs);
    const batches = E().onHost(root, "cut", "batches");
    const live = E().start(["run", file]);
    let inside = false;
    try {
      // The journal's first line is the batch program's PID: freeze it, cut, let it go on unheard.
      let pid = 0;
      await until(
        () => {
          const f = fs.existsSync(batches) ? fs.readdirSync(batches)[0] : undefined;
          pid = Number(/^PID (\d+) /.exec(f ? fs.readFileSync(path.join(batches, f), "utf8") : "")?.[1] ?? 0);
          return pid > 0;
        },
        20_000,
        "the batch journal",
        2,
      ).catch((err: Error) => assert.fail(`${err.message}\n${live.output()}`));
      let stopped = false;
      try {
        process.kill(pid, "SIGSTOP");
        stopped = true;
      } catch {
        // The batch had already ended: only the invariants below can be checked.
      }
      const journal = fs.readFileSync(path.join(batches, fs.readdirSync(batches)[0] as string), "utf8");
      inside = stopped && !/^DONE$/m.test(journal);
      try {
        hostCtl("cut", "b");
      } finally {
        if (stopped) process.kill(pid, "SIGCONT");
      }
      if (inside) {
        const heard = (x: string) => /^submit batch \S+ on drover-test-b: 50 jobs, exit 0,/.test(x);
        await until(
          () => texts("cut").some((x) => / -> uncertain/.test(x) || heard(x)),
          20_000,
          "uncertain jobs",
        );
        // Only a restore can let the whole reply through: another suite's start-ssh-hosts.sh does one.
        if (texts("cut", "command").some(heard)) {
          assert.equal(
            fs.existsSync(path.join(E().hosts.hostsDir, "b", "cut")),
            false,
            "a reply came through a cut",
          );
          t.diagnostic(
            "host b was restored by someone else during the cut: only the invariants were checked",
          );
          inside = false;
        } else {
          // While the host is silent the uncertain jobs stay put: polls fail, nothing is resubmitted.
          await until(() => texts("cut", "poll-error").length > 0, 20_000, "a failed poll");
        }
      } else t.diagnostic("the cut missed the batch: only the invariants were checked");
    } finally {
      hostCtl("restore", "b");
    }
    const r = await live.exited;
    assert.equal(r.code, 0, r.out);
    assertRanOnce("cut", root, jobs, B);
    const journal = fs.readFileSync(path.join(batches, fs.readdirSync(batches)[0] as string), "utf8");
    assert.equal(journal.match(/^SUBMIT j\d+\/01 rc=0 id=\d+ /gm)?.length, 50, journal);
    assert.match(journal, /^DONE$/m, "the batch went on to its end with nobody listening");
    if (!inside) return;
    const all = texts("cut");
    assert.ok(
      all.some((x) =>
        /^submit batch \S+ on drover-test-b: 50 jobs, exit 255, .*was cut before its end/.test(x),
      ),
    );
    for (const j of jobs) {
      assert.ok(
        all.some((x) => x.startsWith(`${j}/01 submitting -> uncertain: submit batch `)),
        j,
      );
      assert.ok(
        all.some((x) => /^\S+ uncertain -> (submitted|running|succeeded)/.test(x) && x.startsWith(`${j}/`)),
        j,
      );
    }
  },
);

test(
  "a host that comes back: its running jobs stay running through failed polls, then end once",
  { skip },
  async () => {
    const root = platform([B]);
    const jobs = names(3);
    const file = jobSet("back", jobs, `${RECORD}; sleep 6`);
    const live = E().start(["run", file]);
    try {
      await until(
        () => states("back").filter((s) => s === "running").length === 3,
        20_000,
        "running jobs",
        200,
      );
      hostCtl("stop", "b");
      try {
        await until(() => texts("back", "poll-error").length > 0, 20_000, "a failed poll");
        await sleep(1500);
        assert.deepEqual(states("back"), ["running", "running", "running"]);
      } finally {
        hostCtl("start", "b");
      }
      const r = await live.exited;
      assert.equal(r.code, 0, r.out);
    } finally {
      if (live.child.exitCode === null) live.child.kill("SIGKILL");
    }
    assertRanOnce("back", root, jobs, B);
    assert.match(texts("back", "poll-error")[0] ?? "", /^poll of 3 jobs on drover-test-b failed: /);
    for (const j of jobs)
      assert.deepEqual(
        texts("back", "state")
          .filter((x) => x.startsWith(`${j}/`))
          .map((x) => x.replace(/:.*/, "")),
        [
          `${j}/01 waiting -> submitting`,
          `${j}/01 submitting -> submitted`,
          `${j}/01 submitted -> running`,
          `${j}/01 running -> succeeded`,
        ],
      );
  },
);

test(
  "a changed host key: the host is disabled, clearly, and nothing is sent elsewhere",
  { skip },
  async () => {
    const root = platform([B, C]);
    const jobs = names(2);
    const file = jobSet("rekeyed", jobs);
    hostCtl("rekey", "b");
    try {
      const live = E().start(["run", file]);
      try {
        await until(() => /disabled/.test(live.output()), 20_000, "the refusal");
        // Rounds go by with c healthy and idle: the run does not end, nor move to c.
        await sleep(3000);
        assert.equal(live.child.exitCode, null, live.output());
      } finally {
        live.child.kill("SIGINT");
      }
      const r = await live.exited;
      assert.equal(r.code, 1, r.out);
      assert.match(
        r.out,
        /host drover-test-b disabled for this run: drover-test-b: the host key has CHANGED/,
      );
    } finally {
      hostCtl("unrekey", "b");
    }
    assert.deepEqual(states("rekeyed"), ["waiting", "waiting"]);
    assert.ok(
      texts("rekeyed", "held").some((x) => /^jobs of p wait: p: host drover-test-b is disabled: /.test(x)),
    );
    assert.equal(texts("rekeyed", "command").filter((x) => x.includes(C)).length, 0, "no command went to c");
    assert.equal(fs.existsSync(E().onHost(root)), false, "nothing was made on any host");
  },
);

test(
  "a tool missing from the job user's login PATH: submit-failed, naming it and PATH",
  { skip },
  async () => {
    // Every command of /usr/bin but `timeout`, as the PATH of one tagged login shell.
    const farm = fs.mkdtempSync("/tmp/drv-e2e-path-");
    fs.chmodSync(farm, 0o755);
    for (const f of fs.readdirSync("/usr/bin"))
      if (f !== "timeout") fs.symlinkSync(path.join("/usr/bin", f), path.join(farm, f));
    const tag = path.basename(farm).replace(/[^A-Za-z0-9]/g, "");
    const root = platform([C], { shell: `[bash, -l, -s, ${tag}]`, retries: "{ submission: [] }" });
    const file = jobSet("notool", ["limited"], RECORD, ["    time_limit: PT1M"]);
    const undo = E().profileBlock(tag, [`PATH=${farm}`]);
    let out = "";
    try {
      const r = await E().run(["run", file]);
      assert.equal(r.code, 1, r.out);
      out = r.out;
    } finally {
      undo();
      fs.rmSync(farm, { recursive: true, force: true });
    }
    const j = E().status("notool").get("limited");
    const why = /^submit-failed\(batch not started: .*missing on the job host's PATH: timeout\)$/;
    assert.equal(j?.state, "submit-failed");
    assert.match(String(j?.reason), why);
    assert.match(out, /limited\/01 submitting -> submit-failed: .*missing on the job host's PATH: timeout/);
    assert.equal(runsOf(E().onHost(root, "notool", "share"), "limited"), 0);
  },
);

test(
  "login profiles: a banner is ignored; one reading stdin fails the batch before anything runs",
  { skip },
  async () => {
    const tag = `drve2e${Date.now().toString(36)}`;
    const root = platform([C], { shell: `[bash, -l, -s, ${tag}]`, retries: "{ submission: [] }" });
    let undo = E().profileBlock(tag, ["echo 'Welcome to the cluster'"]);
    try {
      const r = await E().run(["run", jobSet("banner", names(2))]);
      assert.equal(r.code, 0, r.out);
    } finally {
      undo();
    }
    assertRanOnce("banner", root, names(2), C);
    undo = E().profileBlock(tag, ["read -r a; read -r b"]);
    let out = "";
    try {
      const r = await E().run(["run", jobSet("stdin", names(2))]);
      assert.equal(r.code, 1, r.out);
      out = r.out;
    } finally {
      undo();
    }
    const why =
      /batch not started: install preparation did not start: the login shell \(bash -l -s \S+ -s\) read the program from stdin: check ~\/\.bash_profile/;
    for (const [name, j] of E().status("stdin")) {
      assert.equal(j.state, "submit-failed", name);
      assert.match(String(j.reason), why, name);
    }
    assert.match(out, why, "the console says it");
    assert.equal(fs.existsSync(E().onHost(root, "stdin")), false, "nothing ran on the host");
    assert.equal(
      texts("stdin", "command").filter((x) => x.startsWith("install prepare")).length,
      1,
      "tried once",
    );
  },
);

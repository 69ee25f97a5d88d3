/**
 * A Drover site runner for task-spooler (`tsp`, Debian package `task-spooler`): a per-user job
 * queue on one host. Plain ES module JavaScript, so Drover loads it without a build:
 *
 * ```yaml
 * platforms:
 *   spool:
 *     hosts: [build1]
 *     runner: tsp
 *     runner_module: ./runners/tsp-runner.js   # relative to this file
 * ```
 *
 * Like every runner it is pure (see Drover's src/runners/runner.ts): it builds command specs (data
 * the batch program quotes and runs on the host) and parses what they printed.
 *
 * - submit: `tsp -L <label> sh -c <launcher> ...`; tsp prints the job ID. The label is
 *   `drover.<job>.<NN>.<token>`, so a job whose submit reply was lost is found by its token, and a
 *   job ID that tsp reuses after its server restarted (IDs start again at 0) is never mistaken for
 *   the old job: poll and kill trust an ID only together with its label.
 * - The launcher runs the job script with its output in the job's own files and, with a time
 *   limit, under `timeout -k GRACE --signal=XCPU LIMIT` like the background runner. It removes the
 *   empty output file tsp made for it (`$TMPDIR/ts-out.*`), so a long-lived queue leaves no litter.
 * - poll: `tsp -l` (columns ID, State, Output, E-Level, Times, Command with `[label]`); `queued`
 *   and `running` are listed, `finished` and `skipped` are not, any other state is a poll error
 *   that keeps the raw text. With no server socket, nothing is listed (and no server is started).
 * - kill: `tsp -r ID` for a queued job, `tsp -k ID` (TERM to the job's process group) for a
 *   running one; a job that has ended or whose ID now names another label is left alone.
 *
 * The queue: tsp runs one server per user and socket, started by the first `tsp` call and kept
 * after the run. By default this runner uses the user's own queue on the host (`$TS_SOCKET` as the
 * login shell sets it, else tsp's `$TMPDIR/socket-ts.<uid>`), so Drover's jobs share the user's
 * slots (`tsp -S N` sets how many run at once; the default is 1). `createRunner({ socket })` pins a
 * socket path instead: a private queue (the tests use one so they never touch a real queue).
 * Directives: tsp has none; raw directives and attributes are ignored, as by the background runner.
 */

/** The line every query script prints last, and only when its commands succeeded. */
const END_LINE = "@@drover-tsp-end";

/** Drover's token (random hex) and the job keys `name/NN` it labels. */
const TOKEN = /^[A-Za-z0-9_-]{6,128}$/;
const KEY = /^([A-Za-z0-9_][A-Za-z0-9_.+-]*)\/([0-9]{2,})$/;
const LABEL = /^drover\.[A-Za-z0-9_.+-]{1,250}$/;
const TSP_ID = /^[0-9]{1,9}$/;

/** tsp states, listed (the job is still the queue's) or not. */
const LISTED = new Set(["queued", "running"]);
const ENDED = new Set(["finished", "skipped"]);

/**
 * The socket the commands use: `$1` of every script (empty: the user's default queue).
 * `TS_SOCKET` is exported only when a path is given.
 */
const SOCKET_PREAMBLE = [
  "exec 2>&1",
  'if [ -n "$1" ]; then TS_SOCKET=$1; export TS_SOCKET; fi',
  "shift",
  "drover_sock=${TS_SOCKET:-${TMPDIR:-/tmp}/socket-ts.$(id -u)}",
];

/**
 * The label of a submission: `drover.<name>.<NN>.<token>`.
 * @param {string} key `name/NN`
 * @param {string} token the submission's token
 * @returns {string}
 */
export function tspLabel(key, token) {
  const m = KEY.exec(key);
  if (!m || !TOKEN.test(token)) throw new RangeError(`tsp: bad job key or token: ${JSON.stringify(key)}`);
  const label = `drover.${m[1]}.${m[2]}.${token}`;
  if (!LABEL.test(label)) throw new RangeError(`tsp: label too long for ${JSON.stringify(key)}`);
  return label;
}

/**
 * Output kept in an error message: short, on one line.
 * @param {string} text
 */
function clip(text) {
  const t = String(text).trim();
  return JSON.stringify(t.length > 300 ? `${t.slice(0, 300)}...` : t);
}

/**
 * Reads `tsp -l` as printed: rows by ID with state and label (null for jobs without a Drover
 * label), or an error. `@@no-server` alone means an empty queue.
 * @param {string[]} lines the query's lines before its end line
 * @returns {{ rows: Map<string, { state: string, label: string | null }> } | { error: string }}
 */
export function parseTspList(lines) {
  const rows = new Map();
  if (lines.length === 1 && lines[0] === "@@no-server") return { rows };
  const [header, ...rest] = lines;
  if (header === undefined || !/^ID\s+State\s+Output\s/.test(header))
    return { error: `tsp -l: no header line: ${clip(lines.join("\n"))}` };
  for (const line of rest) {
    if (line.trim() === "") continue;
    const m = /^([0-9]{1,9})\s+([a-z_]+)\s(.*)$/.exec(line);
    if (!m) return { error: `tsp -l: unexpected line ${clip(line)}` };
    const [, id, state, tail] = m;
    if (!LISTED.has(state) && !ENDED.has(state))
      return { error: `tsp: unknown job state ${JSON.stringify(state)} in ${clip(line)}` };
    // The Output column may hold spaces ("(no output)"); the label is the first [drover...] word.
    const label = /\[(drover\.[A-Za-z0-9_.+-]+)\]/.exec(tail);
    rows.set(id, { state, label: label ? label[1] : null });
  }
  return { rows };
}

/**
 * The lines of a query's output before its end line, or an error (non-zero exit, cut short).
 * @param {{ rc: number, text: string }} reply
 * @param {string} what
 */
function queryLines(reply, what) {
  if (reply.rc !== 0) return { error: `${what} failed (rc=${reply.rc}): ${clip(reply.text)}` };
  const lines = String(reply.text).split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines[lines.length - 1] !== END_LINE)
    return { error: `${what}: the output was cut short (no end line): ${clip(reply.text)}` };
  lines.pop();
  return { lines };
}

/**
 * Builds the task-spooler runner.
 * @param {{ socket?: string, limitGraceS?: number }} [options] `socket`: a tsp socket path on the
 *   host (`~/` allowed) for a private queue; `limitGraceS`: seconds between XCPU and KILL at the
 *   time limit (default 30).
 * @returns {object} a Drover Runner
 */
export function createRunner(options = {}) {
  const grace = options.limitGraceS ?? 30;
  if (!(Number.isSafeInteger(grace) && grace >= 1 && grace <= 3600))
    throw new RangeError("tsp: limitGraceS must be a whole number from 1 to 3600");
  const socket = options.socket ?? "";
  if (typeof socket !== "string" || /[\0\n\r]/.test(socket))
    throw new RangeError("tsp: socket must be a path on one line");
  const sockArg = socket === "" ? "" : { path: socket };
  /**
   * A `sh -c` spec: socket preamble, `body`, the end line on success; args are `$1...` after the
   * socket. Lines join with `sep`: submit words must be one line each (the submit program's rule).
   */
  const sh = (body, args, sep = "\n") => ({
    argv: [
      "sh",
      "-c",
      [...SOCKET_PREAMBLE, body, "rc=$?", '[ "$rc" -eq 0 ] || exit "$rc"', `echo '${END_LINE}'`].join(sep),
      "drover-tsp",
      sockArg,
      ...args,
    ],
    stdin: "/dev/null",
  });
  const listBody = `[ -S "$drover_sock" ] || { echo '@@no-server'; exit 0; }
tsp -l </dev/null`;

  return {
    name: "tsp",
    capabilities: { hostBound: true, killsGroup: true, clusters: false, accounting: false, jobNames: true },
    directives: () => [],
    submitCommand: (job) => {
      const label = tspLabel(job.key, job.token);
      const limit = job.timeLimitS ?? 0;
      if (!(Number.isSafeInteger(limit) && limit >= 0)) throw new RangeError(`tsp: bad time limit ${limit}`);
      // Run by tsp's server: $1 script, $2 out, $3 err, $4 limit (0: none), $5 grace.
      const launcher = [
        "o=$(readlink /proc/$$/fd/1 2>/dev/null)",
        'case $o in */ts-out.*) rm -f -- "$o" ;; esac',
        'if [ "$4" -gt 0 ]; then exec timeout -k "$5s" --signal=XCPU "$4s" bash "$1" </dev/null >"$2" 2>"$3"; fi',
        'exec bash "$1" </dev/null >"$2" 2>"$3"',
      ].join("; ");
      const body = [
        'id=$(tsp -L "$1" sh -c "$2" drover-tsp-job "$3" "$4" "$5" "$6" "$7" </dev/null) || exit',
        'printf \'@@tsp %s %s\\n\' "$id" "$1"',
      ].join("; ");
      const args = [label, launcher, { path: job.scriptPath }, { path: job.stdout }, { path: job.stderr }];
      return { ...sh(body, [...args, String(limit), String(grace)], "; "), idPattern: "@@tsp ([0-9]+) " };
    },
    parseSubmit: (r) => {
      const m = /^@@tsp ([0-9]{1,9}) (\S+)$/m.exec(r.output);
      if (r.rc !== 0 || !m || m[1] !== r.id || !LABEL.test(m[2]))
        return { jobId: null, runnerData: {}, error: `tsp failed (rc=${r.rc}): ${clip(r.output)}` };
      return { jobId: m[1], runnerData: { label: m[2], boot: r.boot }, error: null };
    },
    pollQuery: () => ({ kind: "command", spec: sh(listBody, []) }),
    parsePoll: (r, jobs) => {
      const out = queryLines(r, "tsp -l");
      if ("error" in out) return { ok: false, error: out.error };
      const list = parseTspList(out.lines);
      if ("error" in list) return { ok: false, error: list.error };
      const answers = new Map();
      for (const j of jobs) {
        const row = TSP_ID.test(j.jobId) ? list.rows.get(j.jobId) : undefined;
        // An ID with another label is another job (the server restarted and reused the ID).
        const same =
          row !== undefined && (j.runnerData.label === undefined || row.label === j.runnerData.label);
        answers.set(
          j.key,
          same && LISTED.has(row.state) ? { kind: "listed", runnerState: row.state } : { kind: "unlisted" },
        );
      }
      return { ok: true, answers };
    },
    killAction: (j) => {
      if (!TSP_ID.test(j.jobId))
        return { kind: "refuse", reason: `not a tsp job ID: ${JSON.stringify(j.jobId)}` };
      // Without a recorded label (an ID recovered from the batch journal) the ID alone decides.
      const label = j.runnerData.label ?? "";
      if (label !== "" && !LABEL.test(label))
        return { kind: "refuse", reason: `bad tsp label ${clip(label)}` };
      const body = `[ -S "$drover_sock" ] || { echo "no tsp server: job $1 is gone"; exit 0; }
l=$(tsp -l </dev/null) || exit
row=$(printf '%s\\n' "$l" | awk -v id="$1" 'NR > 1 && $1 == id')
case $row in
  "") echo "tsp job $1 is gone"; exit 0 ;;
  *"[$2]"*) ;;
  *) if [ -n "$2" ]; then echo "tsp job $1 now names another job: not killed"; exit 0; fi ;;
esac
state=$(printf '%s\\n' "$row" | awk '{ print $2 }')
case $state in
  queued) tsp -r "$1" </dev/null || tsp -k "$1" </dev/null ;;
  running) tsp -k "$1" </dev/null ;;
  *) echo "tsp job $1 is $state: nothing to kill" ;;
esac`;
      return { kind: "command", spec: sh(body, [j.jobId, label]) };
    },
    lookupQuery: (job) => {
      if (job.token === undefined || !TOKEN.test(job.token) || !KEY.test(job.key)) return null;
      return { kind: "command", spec: sh(`echo "@@lookup $1"\n${listBody}`, [tspLabel(job.key, job.token)]) };
    },
    parseLookup: (r) => {
      const out = queryLines(r, "tsp lookup");
      if ("error" in out) return { ok: false, error: out.error };
      const head = /^@@lookup (\S+)$/.exec(out.lines[0] ?? "");
      if (!head || !LABEL.test(head[1]))
        return { ok: false, error: `tsp lookup: unexpected reply ${clip(r.text)}` };
      const list = parseTspList(out.lines.slice(1));
      if ("error" in list) return { ok: false, error: list.error };
      for (const [id, row] of list.rows)
        if (row.label === head[1])
          return {
            ok: true,
            answer: { kind: "found", jobId: id },
            runnerData: { label: head[1], boot: r.boot },
          };
      return { ok: true, answer: { kind: "not-found" }, runnerData: {} };
    },
  };
}

/** The runner with the user's own queue: what `runner_module:` loads. */
export default createRunner;

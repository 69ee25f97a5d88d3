/**
 * The poll batch program: ONE awk answers everything for all jobs of the host, in this order: the
 * queue (background: `/proc/<pid>/stat` of each job), batch journals with their program's process,
 * lookups (one `ps` for all), and last the status files, so a job that ends between the two reads
 * is seen ended (DESIGN.md, Verdicts: the status file is read after the runner's answer).
 */
import { shellQuote } from "../script/shell-quote.js";
import type { HostPath } from "./batch-types.js";
import { AWK_READER } from "./awk-reader.js";
import { encodePayload, fieldsText, type PayloadRecord } from "./payload.js";
import { wrapProgram } from "./program-common.js";

const POLL_AWK = `${AWK_READER}
function readps(   c, l, h, w) {
  c = "ps -ww -eo pid=,pgid=,args= </dev/null"
  while ((c | getline l) > 0) {
    if (match(l, /^ *[0-9]+ +[0-9]+ /)) {
      h = substr(l, 1, RLENGTH); split(h, w, " "); np++; PP[np] = w[1]; PQ[np] = w[2]; PA[np] = substr(l, RLENGTH + 1)
    }
  }
  return close(c)
}
function haspath(a, p,   i, n, off) {
  n = length(p); off = 0
  while ((i = index(substr(a, off + 1), p)) > 0) {
    i += off
    if ((i == 1 || substr(a, i - 1, 1) == " ") && (i + n > length(a) || substr(a, i + n, 1) == " ")) return 1
    off = i
  }
  return 0
}
END {
  if (!verify()) exit 3
  for (i = 1; i <= nr; i++) if (K[i] == "proc") {
    sec("queue", "-"); for (j = 1; j <= NL[i]; j++) { pstat(L[i, j]); print "|" L[i, j] " " PS " " PT } endsec(0)
  }
  for (i = 1; i <= nr; i++) if (K[i] == "journal") {
    p = hp(L[i, 1]); sec("journal", A[i]); r = dump(p); endsec(r < 0 ? 1 : 0)
    if (r < 0) continue
    l = ""; getline l < p; close(p); split(l, w, " ")
    if (w[1] == "PID") { pstat(w[2]); sec("batchproc", A[i]); print "|" w[2] " " PS " " PT; endsec(0) }
  }
  np = 0; psrc = -1
  for (i = 1; i <= nr; i++) if (K[i] == "lookup") {
    if (psrc < 0) psrc = readps()
    sec("lookup", A[i]); path = hp(L[i, 1])
    for (m = 1; m <= np; m++) if (haspath(PA[m], path)) { pstat(PQ[m]); print "|" PP[m] " " PQ[m] " " PS " " PT }
    endsec(psrc)
  }
  for (i = 1; i <= nr; i++) if (K[i] == "status") { sec("status", A[i]); r = dump(hp(L[i, 1])); endsec(r < 0 ? 1 : 0) }
}`;

/** What one poll asks of the host. */
export interface PollPlan {
  /** PIDs whose `/proc/<pid>/stat` the queue section reports (host-bound runners). */
  pids: string[];
  /** Batch journals to read, by batch id. */
  journals: { batchId: string; path: HostPath }[];
  /** Job script paths to look for among live processes, by job key. */
  lookups: { key: string; scriptPath: HostPath }[];
  /** Status files to print, by job key. */
  status: { key: string; path: HostPath }[];
}

/** Builds the whole stdin of a poll call. */
export function buildPollInput(plan: PollPlan, nonce: string): string {
  const records: PayloadRecord[] = [];
  if (plan.pids.length > 0) records.push({ kind: "proc", arg: "-", text: fieldsText(plan.pids) });
  for (const j of plan.journals)
    records.push({ kind: "journal", arg: j.batchId, text: fieldsText([j.path]) });
  for (const l of plan.lookups)
    records.push({ kind: "lookup", arg: l.key, text: fieldsText([l.scriptPath]) });
  for (const s of plan.status) records.push({ kind: "status", arg: s.key, text: fieldsText([s.path]) });
  const body = `local rc
DROVER_NONCE="$n" LC_ALL=C awk ${shellQuote(POLL_AWK)} <&0; rc=$?
if (( rc )); then fail poll "the poll data was rejected or a check failed (awk rc=$rc)"; fi
finish "$rc"`;
  const tools = plan.lookups.length > 0 ? ["awk", "ps"] : ["awk"];
  return wrapProgram(nonce, body, tools) + encodePayload(nonce, records);
}

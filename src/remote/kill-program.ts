/**
 * The kill batch program for guarded group kills (host-bound runners): ONE awk checks every PID
 * against its recorded start time and boot id (and that it still leads its group); the shell sends
 * TERM to each matching group with the `kill` builtin, waits in a short loop that ends as soon as
 * no group has a live member (zombies do not count), and sends KILL to the survivors after the
 * grace.
 */
import { shellQuote } from "../script/shell-quote.js";
import type { ProcessGuard } from "../runners/runner.js";
import { AWK_READER } from "./awk-reader.js";
import { encodePayload, fieldsText } from "./payload.js";
import { wrapProgram } from "./program-common.js";

/** Prints key, pid and verdict (match | gone | mismatch) per job, one value per line. */
const GUARD_AWK = `${AWK_READER}
END {
  if (!verify()) exit 3
  boot = ENVIRON["DROVER_BOOT"]
  for (i = 1; i <= nr; i++) if (K[i] == "job") {
    pid = L[i, 1]; pstat(pid); v = "mismatch"
    if (!alive(PS)) v = "gone"
    else if (PT == L[i, 2] && L[i, 3] == boot && PG == pid) v = "match"
    print A[i]; print pid; print v
  }
}`;

/** Prints the process groups (of DROVER_PGIDS) that still have a member that is not a zombie. */
const SURVIVORS_AWK = String.raw`BEGIN {
  n = split(ENVIRON["DROVER_PGIDS"], w, " "); for (i = 1; i <= n; i++) want[w[i]] = 1
  for (i = 1; i < ARGC; i++) {
    f = ARGV[i]
    if ((getline l < f) > 0) { sub(/.*\) /, "", l); split(l, x, " "); if ((x[3] in want) && x[1] != "Z" && x[1] != "X") live[x[3]] = 1 }
    close(f)
  }
  for (g in live) printf "%s ", g
  exit
}`;

/** One job to kill with its guard. */
export interface GuardedKill {
  key: string;
  guard: ProcessGuard;
}

/** Builds the whole stdin of a kill call; `graceS` separates TERM and KILL. */
export function buildKillInput(jobs: readonly GuardedKill[], graceS: number, nonce: string): string {
  if (!(Number.isFinite(graceS) && graceS >= 0 && graceS <= 3600))
    throw new RangeError(`bad kill grace ${graceS}`);
  const records = jobs.map((j) => ({
    kind: "job",
    arg: j.key,
    text: fieldsText([j.guard.pid, j.guard.start, j.guard.boot]),
  }));
  const graceUs = Math.round(graceS * 1_000_000);
  const body = `local rc L i k p v end now surv
local -a A K P V live still
local -A killed
L=$(DROVER_NONCE="$n" DROVER_BOOT="$b" LC_ALL=C awk ${shellQuote(GUARD_AWK)} <&0); rc=$?
if (( rc )); then fail kill "the kill data was rejected (awk rc=$rc): nothing was signalled"; finish 1; return 1; fi
mapfile -t A <<<"$L"
for (( i = 0; i + 3 <= \${#A[@]}; i += 3 )); do
  k=\${A[i]} p=\${A[i+1]} v=\${A[i+2]}
  if [[ $v == match ]]; then
    if kill -TERM -- "-$p" 2>/dev/null; then v=signalled; live+=("$p"); else v=gone; fi
  fi
  K+=("$k"); P+=("$p"); V+=("$v")
done
end=$(( \${EPOCHREALTIME//[!0-9]/} + ${graceUs} ))
while (( \${#live[@]} )); do
  still=()
  for p in "\${live[@]}"; do kill -0 -- "-$p" 2>/dev/null && still+=("$p"); done
  if (( \${#still[@]} )); then
    set +f
    surv=$(DROVER_PGIDS="\${still[*]}" LC_ALL=C awk ${shellQuote(SURVIVORS_AWK)} /proc/[0-9]*/stat </dev/null)
    set -f
    still=($surv)
  fi
  live=("\${still[@]}")
  (( \${#live[@]} )) || break
  now=\${EPOCHREALTIME//[!0-9]/}
  (( now < end )) || break
  sleep 0.1 </dev/null
done
for p in "\${live[@]}"; do kill -KILL -- "-$p" 2>/dev/null && killed[$p]=1; done
for i in "\${!K[@]}"; do
  printf '@@drover:%s kill %s\\n|%s\\n' "$n" "\${K[i]}" "\${V[i]}"
  if [[ -n \${killed[\${P[i]}]-} ]]; then printf '|killed\\n'; fi
  printf '@@drover:%s end 0\\n' "$n"
done
finish 0`;
  return wrapProgram(nonce, body) + encodePayload(nonce, records);
}

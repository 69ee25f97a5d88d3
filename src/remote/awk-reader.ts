/**
 * The awk text every batch program shares: it reads the framed data that follows `main; exit $?`
 * (see payload.ts) into arrays, and offers helpers to expand host paths, read `/proc/<pid>/stat`
 * and print a file as prefixed reply lines. Portable awk (mawk, gawk), run under LC_ALL=C so
 * lengths are bytes. The nonce comes from the environment, never from argv.
 *
 * After the main rules: records 1..nr, kind K[i], marker argument A[i], NL[i] lines L[i, j],
 * PART[i] set when the last line had no newline. Records of the kind named by `WHOLE` (set with
 * `awk -v WHOLE=file`) keep their bytes whole in C[i] instead (NL[i] stays 0): writing a file is
 * then one printf, and 7 MB of job scripts are not 200,000 array entries. `verify()` must be true
 * before any work.
 *
 * Content lines are most of the stream, so their rule comes first and does the least: a
 * marker never starts with `|`, and after the trailer or any error `cur` is 0 or `verify` fails.
 */
export const AWK_READER = String.raw`
BEGIN { N = ENVIRON["DROVER_NONCE"]; M = "@@drover:" N " "; ML = length(M); HOME = ENVIRON["HOME"]
  nr = 0; cur = 0; bytes = 0; bad = ""; done = 0; pt = 0; fl = 0; buf = "" }
cur && !pt && substr($0, 1, 1) == "|" {
  bytes += length($0)
  if (fl) buf = buf substr($0, 2) "\n"; else L[cur, ++NL[cur]] = substr($0, 2)
  next
}
bad != "" { next }
done { bad = "data after the trailer (line " NR ")"; next }
substr($0, 1, ML) == M {
  if (fl) { C[cur] = buf; buf = ""; fl = 0 }
  rest = substr($0, ML + 1); sp = index(rest, " ")
  if (N == "" || sp < 2) { bad = "malformed marker (line " NR ")"; next }
  k = substr(rest, 1, sp - 1); a = substr(rest, sp + 1)
  if (k == "trailer") {
    if (a != nr " " bytes) bad = "trailer " a " does not match " nr " records, " bytes " bytes"
    done = 1; cur = 0; next
  }
  cur = ++nr; K[cur] = k; A[cur] = a; NL[cur] = 0; PART[cur] = 0; pt = 0; fl = (k == WHOLE); next
}
cur && !pt && substr($0, 1, 1) == ":" {
  bytes += length($0) - 1; pt = PART[cur] = 1
  if (fl) buf = buf substr($0, 2); else L[cur, ++NL[cur]] = substr($0, 2)
  next
}
{ bad = "unexpected line " NR }
function verify() {
  if (fl) { C[cur] = buf; buf = ""; fl = 0 }
  if (bad == "" && !done) bad = "no trailer: the stream was cut"
  if (bad != "") { print "drover: batch data rejected: " bad > "/dev/stderr"; return 0 }
  return 1
}
function hp(p) {
  if (p == "~") return HOME
  if (substr(p, 1, 2) == "~/") return HOME substr(p, 2)
  return p
}
function sec(kind, arg) { print M kind " " arg }
function endsec(rc) { print M "end " rc }
function pstat(pid,   f, l, r, x) {
  PS = "-"; PT = "-"; PG = "-"
  if (pid !~ /^[0-9]+$/) return 0
  f = "/proc/" pid "/stat"
  if ((getline l < f) <= 0) { close(f); return 0 }
  close(f); r = l; sub(/.*\) /, "", r); split(r, x, " ")
  PS = x[1]; PG = x[3]; PT = x[20]; return 1
}
function alive(st) { return st != "-" && st != "Z" && st != "X" && st != "x" }
function dump(p,   rs, r, c, t, got, n, i, parts) {
  rs = RS; RS = "\001"; t = ""; got = 0
  while ((r = (getline c < p)) > 0) { t = got ? t "\001" c : c; got = 1 }
  RS = rs; close(p)
  if (r < 0 && !got) return -1
  n = split(t, parts, "\n")
  for (i = 1; i < n; i++) print "|" parts[i]
  if (n > 0 && parts[n] != "") print ":" parts[n]
  return 0
}
`;

#!/usr/bin/env bash
# Poll floor for the SSH benchmark: ONE awk (a single process) printing every status file named on
# stdin, one path a line, each file as a header line then its lines prefixed with "|".
# Sent as a program to `bash -s`: bash reads the program a byte at a time from the pipe, so the
# path list that follows the last line is left for the awk. Locally: floor-poll.sh < LIST
main() {
  LC_ALL=C awk '{ f = $0; print "@@ " f; while ((getline l < f) > 0) print "|" l; close(f) }'
}
main

/** The text of `drover --help`. */
export const HELP = `drover: submit, follow and kill jobs on job hosts

usage:
  drover run FILE [--name NAME] [--new|--reload] [--detach|--dry-run]
        create the run of a job set file, or resume it, and follow every job to the end
        --detach   hand the run to a Drover in the background (output in RUN_DIR/log/drover.log)
        --dry-run  print each job's platform, directives, script and submit command; submit nothing
        --new      start a fresh run (even of an unchanged file), keeping the old one as NAME.1, NAME.2...
        --reload   apply an edited job set to the run
  drover status [RUN [JOB]] [--json] [--why]
        the runs, or one run's jobs (latest submission each); --why adds evidence and events
  drover kill RUN JOB...        kill jobs (a waiting job ends at once)
  drover trigger RUN JOB...     submit jobs now, ignoring needs and retry delays
  drover poll RUN               poll every live job of the run now
  drover attach RUN             follow the run's live Drover until it ends (Ctrl-C leaves the view
                                only); exit code as drover run gives
  drover stop RUN [--kill]      stop the run's live Drover after its batches in flight; jobs keep
                                running (--kill: kill every job first; without a live Drover, directly)
  drover log RUN JOB [--err|--status|--script] [--submit NN]
        print a submission's job.out (job.err, job.status, the job script)
  drover platforms [JOBSET] [--json]
        the platforms and platform groups known (built-in, ~/.config/drover/platforms.yaml or
        $DROVER_PLATFORMS, and the job set's own)
  drover check PLATFORM [JOBSET] [--json]
        check each host: connection, tools, login shell, rsync, clock skew, run root (writable,
        shared with this machine), each step timed; exit 1 when a host fails (warnings pass)
  drover connect HOST|PLATFORM [JOBSET] [--check|--close]
        open the shared ssh master (interactive on a terminal: passwords, 2FA) and leave it up
        for runs to reuse; --check: is it up; --close: end it
  drover tidy RUN
        remove the run's files from every remote install target once all its jobs are final
        (never the local run directory, never a directory shared with this machine)

Runs live in $DROVER_HOME (default ~/drover-run), one directory per run.
Exit codes: 0 success; 1 a job did not succeed or the run stopped early; 2 bad input; 70 internal error.
`;

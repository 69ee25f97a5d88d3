/** A complete `JobRow` for the pure manager tests: every column set, `over` changes the few a test cares about. */
import type { JobRow } from "../../src/store/job-rows.js";
import type { JobState } from "../../src/job/model.js";

export function fakeJobRow(name: string, state: JobState, over: Partial<JobRow> = {}): JobRow {
  return {
    name,
    submit_num: 1,
    try: 1,
    run_count: 0,
    state,
    reason: null,
    evidence: null,
    exit_code: null,
    signal: null,
    platform: "localhost",
    host: null,
    runner: "background",
    runner_job_id: null,
    runner_data: "{}",
    token: null,
    batch_id: null,
    submit_fails: 0,
    retry_at: null,
    triggered: 0,
    kill_requested: 0,
    kill_sent_at: null,
    unlisted_since: null,
    next_poll_at: null,
    poll_count: 0,
    created_at: "2026-11-26T11:00:00.000Z",
    submitted_at: null,
    started_at: null,
    ended_at: null,
    logs_state: null,
    logs_attempts: 0,
    logs_retry_at: null,
    ...over,
  };
}

/** Migration 1: the tables of DESIGN.md, The store. */
export const migration001 = `
CREATE TABLE runs (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  hash TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE batches (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  platform TEXT NOT NULL,
  host TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  state TEXT NOT NULL,
  error TEXT
);
CREATE TABLE jobs (
  name TEXT NOT NULL,
  submit_num INTEGER NOT NULL,
  try INTEGER NOT NULL,
  run_count INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  reason TEXT,
  evidence TEXT,
  exit_code INTEGER,
  signal TEXT,
  platform TEXT NOT NULL,
  host TEXT,
  runner TEXT NOT NULL,
  runner_job_id TEXT,
  runner_data TEXT NOT NULL DEFAULT '{}',
  token TEXT,
  batch_id TEXT,
  submit_fails INTEGER NOT NULL DEFAULT 0,
  retry_at TEXT,
  triggered INTEGER NOT NULL DEFAULT 0,
  kill_requested INTEGER NOT NULL DEFAULT 0,
  kill_sent_at TEXT,
  unlisted_since TEXT,
  next_poll_at TEXT,
  poll_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  submitted_at TEXT,
  started_at TEXT,
  ended_at TEXT,
  logs_state TEXT,
  logs_attempts INTEGER NOT NULL DEFAULT 0,
  logs_retry_at TEXT,
  PRIMARY KEY (name, submit_num)
);
CREATE INDEX jobs_state ON jobs (state);
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  job TEXT,
  submit_num INTEGER,
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX events_job ON events (job, submit_num);
CREATE TABLE hosts (
  name TEXT PRIMARY KEY,
  bad_until TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  reason TEXT,
  updated_at TEXT
);
CREATE TABLE requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  command TEXT NOT NULL,
  args TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  answer TEXT,
  answered_at TEXT
);
`;

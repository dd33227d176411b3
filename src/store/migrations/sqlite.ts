/**
 * SQLite schema, one entry per version, applied in order on open (see sqliteStore.ts). Never edit
 * an applied entry: add a new one. Times are milliseconds since 1970 (UTC); JSON is stored as text.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  channel TEXT NOT NULL,
  user_id TEXT,
  last_seq INTEGER NOT NULL DEFAULT 0,
  started INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX conversations_user ON conversations (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX conversations_updated ON conversations (updated_at);

CREATE TABLE activities (
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  activity_id TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq),
  UNIQUE (conversation_id, activity_id)
);
CREATE INDEX activities_created ON activities (created_at);

CREATE TABLE bot_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  etag TEXT NOT NULL,
  conversation_id TEXT,
  user_id TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX bot_state_conversation ON bot_state (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX bot_state_user ON bot_state (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX bot_state_updated ON bot_state (updated_at);

CREATE TABLE handoffs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  conversation_id TEXT NOT NULL,
  tenant TEXT NOT NULL,
  channel TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('asked', 'not-confident', 'safeguarding')),
  urgent INTEGER NOT NULL,
  summary TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'claimed', 'closed')),
  created_at INTEGER NOT NULL,
  claimed_by TEXT,
  claimed_at INTEGER,
  closed_by TEXT,
  closed_at INTEGER
);
CREATE INDEX handoffs_queue ON handoffs (status, urgent DESC, seq);
CREATE INDEX handoffs_conversation ON handoffs (conversation_id);
CREATE UNIQUE INDEX handoffs_one_open ON handoffs (conversation_id) WHERE status IN ('queued', 'claimed');

CREATE TABLE callbacks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL,
  channel TEXT NOT NULL,
  conversation_id TEXT,
  user_id TEXT,
  name TEXT NOT NULL,
  contact TEXT NOT NULL,
  best_time TEXT,
  consent_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'done')),
  created_at INTEGER NOT NULL,
  done_at INTEGER,
  done_by TEXT
);
CREATE INDEX callbacks_created ON callbacks (created_at);
CREATE INDEX callbacks_conversation ON callbacks (conversation_id);
CREATE INDEX callbacks_user ON callbacks (user_id);

CREATE TABLE feedback (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  conversation_id TEXT NOT NULL,
  topic_id TEXT,
  helpful INTEGER NOT NULL,
  comment TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX feedback_created ON feedback (created_at);
CREATE INDEX feedback_conversation ON feedback (conversation_id);

CREATE TABLE unanswered (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL,
  channel TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX unanswered_created ON unanswered (created_at);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit (actor);
CREATE INDEX audit_target ON audit (target);
`,
  },
  {
    version: 2,
    name: 'advisers-insights',
    sql: `
ALTER TABLE handoffs ADD COLUMN reference TEXT;
CREATE INDEX handoffs_created ON handoffs (created_at);

CREATE INDEX conversations_created ON conversations (created_at);

ALTER TABLE unanswered ADD COLUMN status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'added', 'out-of-scope'));

CREATE TABLE advisers (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  password_hash TEXT,
  role TEXT NOT NULL CHECK (role IN ('adviser', 'manager')),
  tenants TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_seen_at INTEGER
);

CREATE TABLE turn_outcomes (
  seq INTEGER PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  tenant TEXT NOT NULL,
  channel TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN
    ('answered', 'clarified', 'handed-off', 'out-of-scope', 'not-understood', 'safeguarding', 'control', 'deadline', 'flow')),
  topic_id TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX turn_outcomes_at ON turn_outcomes (at);
CREATE INDEX turn_outcomes_conversation ON turn_outcomes (conversation_id);
`,
  },
];

import type { Migration } from './sqlite';

/**
 * PostgreSQL schema, one entry per version, applied in order at start-up inside one transaction
 * under an advisory lock (see postgresStore.ts and scripts/migrate.ts). Never edit an applied
 * entry: add a new one. Tables are created in the connection's search_path (the `schema` option).
 * JSON is stored as text, not jsonb: byte-exact round trips, and a "\u0000" that someone types
 * stays an escape instead of being refused.
 */
export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE conversations (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  channel text NOT NULL,
  user_id text,
  last_seq integer NOT NULL DEFAULT 0,
  started boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX conversations_user ON conversations (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX conversations_updated ON conversations (updated_at);

CREATE TABLE activities (
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  activity_id text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, seq),
  UNIQUE (conversation_id, activity_id)
);
CREATE INDEX activities_created ON activities (created_at);

CREATE TABLE bot_state (
  key text PRIMARY KEY,
  value text NOT NULL,
  etag text NOT NULL,
  conversation_id text,
  user_id text,
  updated_at timestamptz NOT NULL
);
CREATE INDEX bot_state_conversation ON bot_state (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX bot_state_user ON bot_state (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX bot_state_updated ON bot_state (updated_at);

CREATE TABLE handoffs (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  conversation_id text NOT NULL,
  tenant text NOT NULL,
  channel text NOT NULL,
  reason text NOT NULL CHECK (reason IN ('asked', 'not-confident', 'safeguarding')),
  urgent boolean NOT NULL,
  summary text NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'claimed', 'closed')),
  created_at timestamptz NOT NULL,
  claimed_by text,
  claimed_at timestamptz,
  closed_by text,
  closed_at timestamptz
);
CREATE INDEX handoffs_queue ON handoffs (urgent DESC, seq) WHERE status = 'queued';
CREATE INDEX handoffs_conversation ON handoffs (conversation_id);
CREATE UNIQUE INDEX handoffs_one_open ON handoffs (conversation_id) WHERE status IN ('queued', 'claimed');

CREATE TABLE callbacks (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  tenant text NOT NULL,
  channel text NOT NULL,
  conversation_id text,
  user_id text,
  name text NOT NULL,
  contact text NOT NULL,
  best_time text,
  consent_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'done')),
  created_at timestamptz NOT NULL,
  done_at timestamptz,
  done_by text
);
CREATE INDEX callbacks_created ON callbacks (created_at);
CREATE INDEX callbacks_conversation ON callbacks (conversation_id);
CREATE INDEX callbacks_user ON callbacks (user_id);

CREATE TABLE feedback (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  conversation_id text NOT NULL,
  topic_id text,
  helpful boolean NOT NULL,
  comment text,
  created_at timestamptz NOT NULL
);
CREATE INDEX feedback_created ON feedback (created_at);
CREATE INDEX feedback_conversation ON feedback (conversation_id);

CREATE TABLE unanswered (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  tenant text NOT NULL,
  channel text NOT NULL,
  text text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX unanswered_created ON unanswered (created_at);

CREATE TABLE audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL
);
CREATE INDEX audit_actor ON audit (actor);
CREATE INDEX audit_target ON audit (target);
`,
  },
  {
    version: 2,
    name: 'advisers-insights',
    sql: `
ALTER TABLE handoffs ADD COLUMN reference text;
CREATE INDEX handoffs_created ON handoffs (created_at);

CREATE INDEX conversations_created ON conversations (created_at);

ALTER TABLE unanswered ADD COLUMN status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'added', 'out-of-scope'));

CREATE TABLE advisers (
  id text PRIMARY KEY,
  display_name text NOT NULL,
  password_hash text,
  role text NOT NULL CHECK (role IN ('adviser', 'manager')),
  tenants text[] NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_seen_at timestamptz
);

CREATE TABLE turn_outcomes (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id text NOT NULL,
  tenant text NOT NULL,
  channel text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN
    ('answered', 'clarified', 'handed-off', 'out-of-scope', 'not-understood', 'safeguarding', 'control', 'deadline', 'flow')),
  topic_id text,
  at timestamptz NOT NULL
);
CREATE INDEX turn_outcomes_at ON turn_outcomes (at);
CREATE INDEX turn_outcomes_conversation ON turn_outcomes (conversation_id);
`,
  },
];

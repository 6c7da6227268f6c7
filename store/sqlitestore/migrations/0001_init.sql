-- Times are INTEGER unix nanoseconds (UTC); NULL stands for the zero time.

-- Turns of conversations. The rowid orders turns: a conversation's turns are
-- read through turns_by_conv, whose entries are (conv, rowid), so the most
-- recent turns are a backwards range scan of the index.
CREATE TABLE turns (
	id      INTEGER PRIMARY KEY,
	conv    TEXT    NOT NULL,
	role    TEXT    NOT NULL,
	text    TEXT    NOT NULL,
	tokens  INTEGER NOT NULL,
	time_ns INTEGER,
	media   TEXT     -- JSON array of store.Media, NULL when there is none
);
CREATE INDEX turns_by_conv ON turns (conv);

CREATE TABLE subscriptions (
	user_id    INTEGER PRIMARY KEY,
	tier       TEXT    NOT NULL,
	starts_ns  INTEGER,
	expires_ns INTEGER, -- NULL: never expires
	granted_by INTEGER NOT NULL,
	note       TEXT    NOT NULL,
	updated_ns INTEGER
);
CREATE INDEX subscriptions_by_expiry ON subscriptions (expires_ns) WHERE expires_ns IS NOT NULL;

CREATE TABLE counters (
	key        TEXT    PRIMARY KEY,
	used       INTEGER NOT NULL,
	expires_ns INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE leases (
	name       TEXT    PRIMARY KEY,
	owner      TEXT    NOT NULL,
	expires_ns INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE seen (
	key        TEXT    PRIMARY KEY,
	expires_ns INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	username      TEXT    NOT NULL,
	first_name    TEXT    NOT NULL,
	last_name     TEXT    NOT NULL,
	language_code TEXT    NOT NULL,
	first_seen_ns INTEGER,
	last_seen_ns  INTEGER,
	blocked       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE usage (
	id            INTEGER PRIMARY KEY,
	user_id       INTEGER NOT NULL,
	chat_id       INTEGER NOT NULL,
	model         TEXT    NOT NULL,
	key_id        TEXT    NOT NULL,
	prompt_tokens INTEGER NOT NULL,
	output_tokens INTEGER NOT NULL,
	latency_ns    INTEGER NOT NULL,
	outcome       TEXT    NOT NULL,
	time_ns       INTEGER NOT NULL
);
CREATE INDEX usage_by_time ON usage (time_ns);

CREATE TABLE kv (
	key        TEXT PRIMARY KEY,
	value      BLOB NOT NULL,
	expires_ns INTEGER -- NULL: kept until deleted
) WITHOUT ROWID;

CREATE TABLE turns (
	id       BIGSERIAL PRIMARY KEY,
	conv_key TEXT        NOT NULL,
	role     TEXT        NOT NULL,
	body     TEXT        NOT NULL,
	tokens   BIGINT      NOT NULL,
	at       TIMESTAMPTZ NOT NULL,
	media    JSONB
);
CREATE INDEX turns_conv_key_id ON turns (conv_key, id);

CREATE TABLE subscriptions (
	user_id    BIGINT PRIMARY KEY,
	tier       TEXT        NOT NULL,
	starts     TIMESTAMPTZ NOT NULL,
	expires    TIMESTAMPTZ,
	granted_by BIGINT      NOT NULL,
	note       TEXT        NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX subscriptions_expires ON subscriptions (expires);

CREATE TABLE counters (
	key     TEXT PRIMARY KEY,
	value   BIGINT      NOT NULL,
	expires TIMESTAMPTZ NOT NULL
);

CREATE TABLE leases (
	name    TEXT PRIMARY KEY,
	owner   TEXT        NOT NULL,
	expires TIMESTAMPTZ NOT NULL
);

CREATE TABLE seen (
	key     TEXT PRIMARY KEY,
	expires TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
	id            BIGINT PRIMARY KEY,
	username      TEXT        NOT NULL,
	first_name    TEXT        NOT NULL,
	last_name     TEXT        NOT NULL,
	language_code TEXT        NOT NULL,
	first_seen    TIMESTAMPTZ NOT NULL,
	last_seen     TIMESTAMPTZ NOT NULL,
	blocked       BOOLEAN     NOT NULL DEFAULT FALSE
);

CREATE TABLE usage (
	id            BIGSERIAL PRIMARY KEY,
	user_id       BIGINT      NOT NULL,
	chat_id       BIGINT      NOT NULL,
	model         TEXT        NOT NULL,
	key_id        TEXT        NOT NULL,
	prompt_tokens BIGINT      NOT NULL,
	output_tokens BIGINT      NOT NULL,
	latency_us    BIGINT      NOT NULL,
	outcome       TEXT        NOT NULL,
	at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX usage_at ON usage (at);

CREATE TABLE kv (
	key     TEXT PRIMARY KEY,
	value   BYTEA NOT NULL,
	expires TIMESTAMPTZ
);

-- chatd's tables. Records are stored as package record encodes them, the
-- bytes bolt stores; a column holds only what a constraint, an order, a
-- filter or a derived count needs. Every key of a Service's data starts
-- with service_sid, so that Citus can distribute the tables by Service.
-- Key columns are COLLATE "C": keys compare and order as bytes, as in
-- bbolt, whatever the database's locale.

-- Server-wide values (the generated development credentials).
CREATE TABLE settings (
	name  text COLLATE "C" PRIMARY KEY,
	value text NOT NULL
);

-- Account-level records, outside every Service.
CREATE TABLE credentials (
	sid    text COLLATE "C" PRIMARY KEY,
	record bytea NOT NULL
);

CREATE TABLE api_keys (
	sid    text COLLATE "C" PRIMARY KEY,
	record bytea NOT NULL
);

CREATE TABLE services (
	service_sid text COLLATE "C" PRIMARY KEY,
	record      bytea NOT NULL
);

CREATE TABLE roles (
	service_sid text COLLATE "C" NOT NULL REFERENCES services ON DELETE CASCADE,
	sid         text COLLATE "C" NOT NULL,
	record      bytea NOT NULL,
	PRIMARY KEY (service_sid, sid)
);

-- The record's JoinedChannelsCount is 0: the column is the count.
CREATE TABLE users (
	service_sid           text COLLATE "C" NOT NULL REFERENCES services ON DELETE CASCADE,
	sid                   text COLLATE "C" NOT NULL,
	identity              text COLLATE "C" NOT NULL,
	joined_channels_count bigint NOT NULL DEFAULT 0,
	record                bytea NOT NULL,
	PRIMARY KEY (service_sid, sid),
	CONSTRAINT users_identity_key UNIQUE (service_sid, identity)
);

-- last_index is the Channel's message counter: the index of its newest
-- Message ever, bumped in the statement that inserts the next one. The
-- record's derived counts are 0: the columns are the counts.
CREATE TABLE channels (
	service_sid      text COLLATE "C" NOT NULL REFERENCES services ON DELETE CASCADE,
	sid              text COLLATE "C" NOT NULL,
	unique_name      text COLLATE "C",
	type             text COLLATE "C" NOT NULL,
	last_index       bigint NOT NULL DEFAULT -1,
	messages_count   bigint NOT NULL DEFAULT 0,
	members_count    bigint NOT NULL DEFAULT 0,
	last_message_sid text COLLATE "C" NOT NULL DEFAULT '',
	record           bytea NOT NULL,
	PRIMARY KEY (service_sid, sid),
	CONSTRAINT channels_unique_name_key UNIQUE (service_sid, unique_name)
);
CREATE INDEX channels_type ON channels (service_sid, type, sid);

CREATE TABLE members (
	service_sid text COLLATE "C" NOT NULL,
	channel_sid text COLLATE "C" NOT NULL,
	sid         text COLLATE "C" NOT NULL,
	identity    text COLLATE "C" NOT NULL,
	user_sid    text COLLATE "C" NOT NULL,
	record      bytea NOT NULL,
	PRIMARY KEY (service_sid, channel_sid, sid),
	CONSTRAINT members_identity_key UNIQUE (service_sid, channel_sid, identity),
	FOREIGN KEY (service_sid, channel_sid) REFERENCES channels ON DELETE CASCADE
);
CREATE INDEX members_user ON members (service_sid, user_sid, channel_sid);

CREATE TABLE invites (
	service_sid text COLLATE "C" NOT NULL,
	channel_sid text COLLATE "C" NOT NULL,
	sid         text COLLATE "C" NOT NULL,
	identity    text COLLATE "C" NOT NULL,
	user_sid    text COLLATE "C" NOT NULL,
	record      bytea NOT NULL,
	PRIMARY KEY (service_sid, channel_sid, sid),
	CONSTRAINT invites_identity_key UNIQUE (service_sid, channel_sid, identity),
	FOREIGN KEY (service_sid, channel_sid) REFERENCES channels ON DELETE CASCADE
);
CREATE INDEX invites_user ON invites (service_sid, user_sid, channel_sid);

-- A Message's record leaves out its Service, Channel and index: the key.
CREATE TABLE messages (
	service_sid text COLLATE "C" NOT NULL,
	channel_sid text COLLATE "C" NOT NULL,
	idx         bigint NOT NULL,
	sid         text COLLATE "C" NOT NULL,
	record      bytea NOT NULL,
	PRIMARY KEY (service_sid, channel_sid, idx),
	CONSTRAINT messages_sid_key UNIQUE (service_sid, channel_sid, sid),
	FOREIGN KEY (service_sid, channel_sid) REFERENCES channels ON DELETE CASCADE
);

CREATE TABLE channel_webhooks (
	service_sid text COLLATE "C" NOT NULL,
	channel_sid text COLLATE "C" NOT NULL,
	sid         text COLLATE "C" NOT NULL,
	type        text COLLATE "C" NOT NULL,
	record      bytea NOT NULL,
	PRIMARY KEY (service_sid, channel_sid, sid),
	FOREIGN KEY (service_sid, channel_sid) REFERENCES channels ON DELETE CASCADE
);

CREATE TABLE bindings (
	service_sid  text COLLATE "C" NOT NULL REFERENCES services ON DELETE CASCADE,
	sid          text COLLATE "C" NOT NULL,
	binding_type text COLLATE "C" NOT NULL,
	endpoint     text COLLATE "C" NOT NULL,
	user_sid     text COLLATE "C" NOT NULL,
	record       bytea NOT NULL,
	PRIMARY KEY (service_sid, sid),
	CONSTRAINT bindings_endpoint_key UNIQUE (service_sid, binding_type, endpoint)
);
CREATE INDEX bindings_type ON bindings (service_sid, binding_type, sid);
CREATE INDEX bindings_user ON bindings (service_sid, user_sid);

-- A Media, or while staged_at is set an upload being staged under the SID
-- its Media will have (no record yet). size, channel_sid and message_sid
-- are the record's: its own are left empty. An attached Media goes with
-- its Message.
CREATE TABLE media (
	service_sid text COLLATE "C" NOT NULL REFERENCES services ON DELETE CASCADE,
	sid         text COLLATE "C" NOT NULL,
	staged_at   timestamptz,
	size        bigint NOT NULL DEFAULT 0,
	chunks      integer NOT NULL DEFAULT 0,
	channel_sid text COLLATE "C",
	message_sid text COLLATE "C",
	record      bytea,
	PRIMARY KEY (service_sid, sid),
	FOREIGN KEY (service_sid, channel_sid, message_sid) REFERENCES messages (service_sid, channel_sid, sid) ON DELETE CASCADE,
	CHECK ((staged_at IS NULL) = (record IS NOT NULL))
);
CREATE INDEX media_staged ON media (sid) WHERE staged_at IS NOT NULL;

-- Media content in chunks of model.MediaChunkSize bytes, stored
-- uncompressed so that a range read fetches only the bytes it needs.
CREATE TABLE media_chunks (
	service_sid text COLLATE "C" NOT NULL,
	media_sid   text COLLATE "C" NOT NULL,
	seq         integer NOT NULL,
	data        bytea NOT NULL,
	PRIMARY KEY (service_sid, media_sid, seq),
	FOREIGN KEY (service_sid, media_sid) REFERENCES media ON DELETE CASCADE
);
ALTER TABLE media_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- First-person mutation ids; seq numbers a Service's records (from its
-- row of mutation_seqs, the last number given), so that the oldest are
-- forgotten first.
CREATE TABLE mutation_seqs (
	service_sid text COLLATE "C" PRIMARY KEY REFERENCES services ON DELETE CASCADE,
	last_seq    bigint NOT NULL
);

CREATE TABLE mutations (
	service_sid  text COLLATE "C" NOT NULL REFERENCES services ON DELETE CASCADE,
	identity     text COLLATE "C" NOT NULL,
	id           text COLLATE "C" NOT NULL,
	seq          bigint NOT NULL,
	ref          text NOT NULL,
	date_created timestamptz NOT NULL,
	PRIMARY KEY (service_sid, identity, id)
);
CREATE INDEX mutations_seq ON mutations (service_sid, seq);

-- The webhook outbox. Deliveries are account-level: they outlive their
-- Service. The one row of outbox is the last delivery ID given, bumped in
-- the statement that inserts the next delivery and locked until its
-- transaction commits, so that IDs follow commit order; a Wipe keeps it.
-- A record's ID is 0: the column is the ID.
CREATE TABLE outbox (
	one     boolean PRIMARY KEY DEFAULT true CHECK (one),
	last_id bigint NOT NULL
);
INSERT INTO outbox (last_id) VALUES (0);

CREATE TABLE deliveries (
	id          bigint PRIMARY KEY,
	service_sid text COLLATE "C" NOT NULL,
	pending     boolean NOT NULL,
	record      bytea NOT NULL
);
CREATE INDEX deliveries_pending ON deliveries (id) WHERE pending;
CREATE INDEX deliveries_service ON deliveries (service_sid, id);

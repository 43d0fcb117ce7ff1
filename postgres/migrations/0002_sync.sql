-- The Sync event log of each Service (model.SyncEvent). Event IDs come from
-- one counter row, bumped by the transaction that reserves them and locked
-- until it ends, so events become visible in ID order, as a tailer of the
-- feed needs; it belongs to no Service, so no ID is ever given twice.
-- Object SIDs are bytes: the log takes any, as bbolt's keys do.
CREATE TABLE sync_counter (
	one     boolean PRIMARY KEY DEFAULT true CHECK (one),
	last_id bigint NOT NULL
);
INSERT INTO sync_counter (last_id) VALUES (0);

CREATE TABLE sync_objects (
	service_sid  text COLLATE "C" NOT NULL REFERENCES services ON DELETE CASCADE,
	object_sid   bytea NOT NULL,
	last_id      bigint NOT NULL,
	trimmed      bigint NOT NULL DEFAULT 0,
	events       integer NOT NULL,
	date_updated timestamptz NOT NULL,
	PRIMARY KEY (service_sid, object_sid)
);

CREATE TABLE sync_events (
	service_sid text COLLATE "C" NOT NULL REFERENCES services ON DELETE CASCADE,
	id          bigint NOT NULL,
	object_sid  bytea NOT NULL,
	date        timestamptz NOT NULL,
	payload     bytea NOT NULL,
	PRIMARY KEY (service_sid, id)
);
CREATE INDEX sync_events_by_object ON sync_events (service_sid, object_sid, id);

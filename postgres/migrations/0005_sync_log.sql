-- Whether a Service's Sync log is started: from the first sign-in of a
-- first-person client on, writes append events to it (Tx.StartSyncLog).
-- A Service of a database from before kept its log all along.
ALTER TABLE services ADD COLUMN sync_log boolean NOT NULL DEFAULT true;
ALTER TABLE services ALTER COLUMN sync_log SET DEFAULT false;

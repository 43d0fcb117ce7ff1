-- Claims on the outbox's pending deliveries, so that several chatd nodes
-- share it (model.DeliveryClaims): the node holding a delivery's lease and
-- when the lease runs out (NULL: none), and a digest of the delivery's
-- lane (model.Delivery.Lane), whose earlier pending deliveries leased to
-- one node keep the later ones from the others. Deliveries enqueued
-- before this migration have the empty lane: one lane for them all, which
-- keeps their order whichever node claims them.
ALTER TABLE deliveries
	ADD COLUMN lane        bytea NOT NULL DEFAULT '',
	ADD COLUMN lease_node  text COLLATE "C",
	ADD COLUMN lease_until timestamptz;
CREATE INDEX deliveries_lane ON deliveries (lane, id) WHERE pending;

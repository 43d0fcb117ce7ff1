-- Claims on the outbox's pending deliveries, so that several chatd nodes
-- share it (model.DeliveryClaims): the node holding a delivery's lease and
-- when the lease runs out (NULL: none), and a digest of the delivery's
-- lane (model.Delivery.Lane). A claim passes over a delivery whose lane
-- has an earlier one that another node holds: the index finds those
-- without reading the many a node may hold of one lane itself. Deliveries
-- enqueued before this migration have the empty lane: one lane for them
-- all, which keeps their order whichever node claims them.
ALTER TABLE deliveries
	ADD COLUMN lane        bytea NOT NULL DEFAULT '',
	ADD COLUMN lease_node  text COLLATE "C",
	ADD COLUMN lease_until timestamptz;
CREATE INDEX deliveries_lane ON deliveries (lane, lease_node, id) WHERE pending;

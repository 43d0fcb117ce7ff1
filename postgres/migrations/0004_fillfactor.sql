-- Room on each page for the rows that every send rewrites: a Channel's
-- counters, a Sync object's bookkeeping and the Sync counter. An update
-- whose new row fits on its page, and changes no indexed column, is HOT:
-- it writes no index entry and leaves the old row for the page itself to
-- prune. Pages written before keep their fill until rewritten.
ALTER TABLE channels SET (fillfactor = 70);
ALTER TABLE sync_objects SET (fillfactor = 70);
ALTER TABLE sync_counter SET (fillfactor = 10);

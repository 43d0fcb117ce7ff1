package postgres

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// Claims of the outbox (model.DeliveryClaims) are columns of deliveries:
// lease_node and lease_until, measured by the database's clock, which
// every node shares. A claim is one UPDATE of the rows its subquery picks
// and locks with FOR UPDATE SKIP LOCKED, so that a row whose outcome is
// being written is passed over rather than waited for. The lane rule
// reads rows it does not lock, so claims take turns, each holding an
// advisory lock of the schema to its commit: two claims running together
// could each see a lane free and take two of its deliveries. Leases are
// not worth an fsync (a lease lost in a crash of the database sends its
// delivery twice, as at least once allows), so a claim commits
// asynchronously.

// claimLock is the advisory lock key of claiming: this constant mixed with
// the schema's name in SQL, as for migrationLock.
const claimLock = "chatd claim "

// laneKey is what the lane column holds of d's lane: a digest, short and
// of bounded length whatever the URL.
func laneKey(d *model.Delivery) []byte {
	sum := sha256.Sum256([]byte(d.Lane()))
	return sum[:16]
}

// claimSQL is a claim: $1 the node, $2 the ID after which, $3 the limit,
// $4 the lease in microseconds. A delivery is passed over when an earlier
// one of its lane is another node's (live, or at or before $2) or
// unclaimed at or before $2: each of the three is a bounded range of
// deliveries_lane, "another node" being the two ranges of lease_node
// either side of $1.
const claimSQL = `UPDATE deliveries SET lease_node = $1, lease_until = now() + $4 * interval '1 microsecond'
	WHERE id IN (
		SELECT d.id FROM deliveries d
		WHERE d.pending AND d.id > $2 AND (d.lease_until IS NULL OR d.lease_until <= now())
			AND NOT EXISTS (SELECT FROM deliveries e
				WHERE e.pending AND e.lane = d.lane AND e.lease_node < $1 AND e.id < d.id
					AND (e.lease_until > now() OR e.id <= $2))
			AND NOT EXISTS (SELECT FROM deliveries e
				WHERE e.pending AND e.lane = d.lane AND e.lease_node > $1 AND e.id < d.id
					AND (e.lease_until > now() OR e.id <= $2))
			AND NOT EXISTS (SELECT FROM deliveries e
				WHERE e.pending AND e.lane = d.lane AND e.lease_node IS NULL AND e.id <= $2)
		ORDER BY d.id LIMIT $3
		FOR UPDATE SKIP LOCKED)
	RETURNING id, record`

func (d *DB) ClaimDeliveries(ctx context.Context, node string, after uint64, limit int, lease time.Duration) ([]*model.Delivery, error) {
	var out []*model.Delivery
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		out = out[:0]
		if _, err := tx.Exec(ctx, `SELECT set_config('synchronous_commit', 'off', true),
			pg_advisory_xact_lock(hashtextextended($1 || current_schema(), 0))`, claimLock); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, claimSQL, node, int64(after), limit, lease.Microseconds())
		if err != nil {
			return err
		}
		var id uint64
		var v []byte
		_, err = pgx.ForEachRow(rows, []any{&id, &v}, func() error {
			dl, err := record.Delivery.Decode(v)
			if err != nil {
				return err
			}
			dl.ID = id
			out = append(out, dl)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claiming deliveries: %w", err)
	}
	// RETURNING has no order.
	slices.SortFunc(out, func(a, b *model.Delivery) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// RenewDeliveryClaims is one UPDATE. It passes over rows locked by a write
// of their outcome, whose leases the next renewal extends.
func (d *DB) RenewDeliveryClaims(ctx context.Context, node string, lease time.Duration) error {
	_, err := d.pool.Exec(ctx, `UPDATE deliveries SET lease_until = now() + $2 * interval '1 microsecond'
		WHERE id IN (SELECT id FROM deliveries WHERE pending AND lease_node = $1 FOR UPDATE SKIP LOCKED)`,
		node, lease.Microseconds())
	if err != nil {
		return fmt.Errorf("postgres: renewing delivery claims: %w", err)
	}
	return nil
}

// ReleaseDeliveryClaims is one UPDATE. A row locked by a write meanwhile
// keeps its lease until it runs out.
func (d *DB) ReleaseDeliveryClaims(ctx context.Context, node string, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	keys := make([]int64, len(ids))
	for i, id := range ids {
		keys[i] = int64(id)
	}
	_, err := d.pool.Exec(ctx, `UPDATE deliveries SET lease_node = NULL, lease_until = NULL
		WHERE id IN (SELECT id FROM deliveries WHERE id = ANY($2) AND lease_node = $1 FOR UPDATE SKIP LOCKED)`,
		node, keys)
	if err != nil {
		return fmt.Errorf("postgres: releasing delivery claims: %w", err)
	}
	return nil
}

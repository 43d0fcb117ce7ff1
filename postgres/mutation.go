package postgres

import (
	"github.com/chatd/chatd/model"
)

func (t *tx) Mutation(service, identity, id string) (*model.Mutation, error) {
	m := &model.Mutation{ServiceSid: service, Identity: identity, ID: id}
	err := t.read(`SELECT ref, date_created FROM mutations WHERE service_sid = $1 AND identity = $2 AND id = $3`,
		[]any{service, identity, id}, &m.Ref, &m.DateCreated)
	if err != nil {
		return nil, err
	}
	m.DateCreated = m.DateCreated.UTC()
	return m, nil
}

// InsertMutation is one statement: the Service's count of records is
// bumped (no Service, no row), the record inserted under it, and the
// records that fell out of the newest keep forgotten. The Service's row
// stays locked until the transaction ends, so the count is dense.
func (t *tx) InsertMutation(m *model.Mutation, keep int) error {
	var n int
	err := t.write(`WITH s AS (
			UPDATE services SET mutation_seq = mutation_seq + 1 WHERE service_sid = $1 RETURNING mutation_seq),
		gone AS (
			DELETE FROM mutations WHERE service_sid = $1 AND $6 > 0 AND seq <= (SELECT mutation_seq FROM s) - $6),
		m AS (
			INSERT INTO mutations (service_sid, identity, id, seq, ref, date_created)
			SELECT $1, $2, $3, mutation_seq, $4, $5 FROM s RETURNING 1)
		SELECT count(*) FROM m`, []any{m.ServiceSid, m.Identity, m.ID, m.Ref, m.DateCreated, keep}, &n)
	if err == nil && n == 0 {
		return model.ErrNotFound
	}
	return err
}

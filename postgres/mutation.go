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
// bumped (its first record makes the count, whose foreign key finds the
// Service), the record inserted under it, and the records that fell out
// of the newest keep forgotten. The count's row stays locked until the
// transaction ends, so the count is dense.
func (t *tx) InsertMutation(m *model.Mutation, keep int) error {
	_, err := t.exec(`WITH s AS (
			INSERT INTO mutation_seqs (service_sid, last_seq) VALUES ($1, 1)
			ON CONFLICT (service_sid) DO UPDATE SET last_seq = mutation_seqs.last_seq + 1
			RETURNING last_seq),
		gone AS (
			DELETE FROM mutations WHERE service_sid = $1 AND $6 > 0 AND seq <= (SELECT last_seq FROM s) - $6)
		INSERT INTO mutations (service_sid, identity, id, seq, ref, date_created)
		SELECT $1, $2, $3, last_seq, $4, $5 FROM s`, m.ServiceSid, m.Identity, m.ID, m.Ref, m.DateCreated, keep)
	return err
}

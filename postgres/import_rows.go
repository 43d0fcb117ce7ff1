package postgres

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// The rows of an Import: the model.Loader that buffers them, and the
// transactions that COPY them in.

// table is a table the copy fills: its columns and the rows waiting for
// the next transaction.
type table struct {
	name   string
	cols   []string
	rows   [][]any
	copied int64
}

// importer is the model.Loader of an Import: it buffers rows per table
// and writes them all, in dependency order, when they reach txBytes.
type importer struct {
	ctx      context.Context
	conn     *pgx.Conn
	txBytes  int
	report   func(ImportProgress)
	tables   []*table
	buffered int    // bytes of the rows waiting
	copied   int64  // bytes committed
	mark     string // the value of settingImport, set by the first transaction

	settings, apiKeys, credentials, services, roles, users, channels, members, invites,
	messages, webhooks, bindings, media, chunks, mutations, syncObjects, syncEvents, deliveries *table

	// lastSeq is the newest mutation sequence number of each Service.
	lastSeq map[string]uint64
	// syncLogs are the Services whose Sync logs are started.
	syncLogs []string
	// lastDelivery and lastSyncEvent are the source's counters.
	lastDelivery, lastSyncEvent uint64
}

func newImporter(ctx context.Context, conn *pgx.Conn, opts ImportOptions) *importer {
	im := &importer{ctx: ctx, conn: conn, txBytes: opts.TxBytes, report: opts.Progress, lastSeq: map[string]uint64{},
		mark: fmt.Sprintf("from %s, begun %s", opts.Source, time.Now().UTC().Format(time.RFC3339))}
	t := func(name string, cols ...string) *table {
		tb := &table{name: name, cols: cols}
		im.tables = append(im.tables, tb)
		return tb
	}
	// In dependency order: a row's parent is in a table before it.
	im.settings = t("settings", "name", "value")
	im.apiKeys = t("api_keys", "sid", "record")
	im.credentials = t("credentials", "sid", "record")
	im.services = t("services", "service_sid", "record")
	im.roles = t("roles", "service_sid", "sid", "record")
	im.users = t("users", "service_sid", "sid", "identity", "joined_channels_count", "record")
	im.channels = t("channels", "service_sid", "sid", "unique_name", "type", "last_index", "messages_count", "members_count", "last_message_sid", "record")
	im.members = t("members", "service_sid", "channel_sid", "sid", "identity", "user_sid", "record")
	im.invites = t("invites", "service_sid", "channel_sid", "sid", "identity", "user_sid", "record")
	im.messages = t("messages", "service_sid", "channel_sid", "idx", "sid", "record")
	im.webhooks = t("channel_webhooks", "service_sid", "channel_sid", "sid", "type", "record")
	im.bindings = t("bindings", "service_sid", "sid", "binding_type", "endpoint", "user_sid", "record")
	im.media = t("media", "service_sid", "sid", "size", "chunks", "channel_sid", "message_sid", "record")
	im.chunks = t("media_chunks", "service_sid", "media_sid", "seq", "data")
	im.mutations = t("mutations", "service_sid", "identity", "id", "seq", "ref", "date_created")
	im.syncObjects = t("sync_objects", "service_sid", "object_sid", "last_id", "trimmed", "events", "date_updated")
	im.syncEvents = t("sync_events", "service_sid", "id", "object_sid", "date", "payload")
	im.deliveries = t("deliveries", "id", "service_sid", "pending", "lane", "record")
	return im
}

var _ model.Loader = (*importer)(nil)

// add buffers a row of t, and writes the buffers once they are full.
func (im *importer) add(t *table, row ...any) error {
	t.rows = append(t.rows, row)
	for _, v := range row {
		switch v := v.(type) {
		case string:
			im.buffered += len(v)
		case []byte:
			im.buffered += len(v)
		default:
			im.buffered += 8
		}
	}
	if im.buffered < im.txBytes {
		return nil
	}
	return im.flush()
}

// flush writes the buffered rows in one transaction, table by table.
func (im *importer) flush() error {
	if im.buffered == 0 {
		return nil
	}
	if err := im.ctx.Err(); err != nil {
		return err
	}
	err := pgx.BeginFunc(im.ctx, im.conn, func(tx pgx.Tx) error {
		if im.copied == 0 {
			if _, err := tx.Exec(im.ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)`, settingImport, im.mark); err != nil {
				return err
			}
		}
		for _, t := range im.tables {
			if len(t.rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(im.ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
				return fmt.Errorf("copying into %s: %w", t.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	for _, t := range im.tables {
		t.copied += int64(len(t.rows))
		clear(t.rows)
		t.rows = t.rows[:0]
	}
	im.copied += int64(im.buffered)
	im.buffered = 0
	if im.report != nil {
		im.report(im.progress())
	}
	return nil
}

// finish sets the counters and the Sync logs' flags and removes the mark,
// in the last transaction.
func (im *importer) finish() error {
	err := pgx.BeginFunc(im.ctx, im.conn, func(tx pgx.Tx) error {
		var seqs [][]any
		for service, last := range im.lastSeq {
			seqs = append(seqs, []any{service, int64(last)})
		}
		if _, err := tx.CopyFrom(im.ctx, pgx.Identifier{"mutation_seqs"}, []string{"service_sid", "last_seq"}, pgx.CopyFromRows(seqs)); err != nil {
			return err
		}
		if _, err := tx.Exec(im.ctx, `UPDATE services SET sync_log = true WHERE service_sid = ANY($1)`, im.syncLogs); err != nil {
			return err
		}
		// Never below an ID copied, whatever the source said.
		if _, err := tx.Exec(im.ctx, `UPDATE outbox SET last_id = greatest($1, (SELECT coalesce(max(id), 0) FROM deliveries))`,
			int64(im.lastDelivery)); err != nil {
			return err
		}
		if _, err := tx.Exec(im.ctx, `UPDATE sync_counter SET last_id = greatest($1, (SELECT coalesce(max(id), 0) FROM sync_events))`,
			int64(im.lastSyncEvent)); err != nil {
			return err
		}
		_, err := tx.Exec(im.ctx, `DELETE FROM settings WHERE name = $1`, settingImport)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: finishing the copy: %w", err)
	}
	return nil
}

func (im *importer) progress() ImportProgress {
	p := ImportProgress{Bytes: im.copied}
	for _, t := range im.tables {
		p.Tables = append(p.Tables, TableCount{t.name, t.copied})
	}
	return p
}

func (im *importer) Setting(key, value string) error {
	if key == settingImport {
		return nil // the mark of a copy the source was once the target of
	}
	return im.add(im.settings, key, value)
}

func (im *importer) APIKey(k *model.APIKey) error {
	return addRecord(im, im.apiKeys, encode(record.APIKey, k), k.Sid)
}

func (im *importer) Credential(c *model.Credential) error {
	return addRecord(im, im.credentials, encode(record.Credential, c), c.Sid)
}

func (im *importer) Service(s *model.Service) error {
	return addRecord(im, im.services, encode(record.Service, s), s.Sid)
}

func (im *importer) Role(r *model.Role) error {
	return addRecord(im, im.roles, encode(record.Role, r), r.ServiceSid, r.Sid)
}

func (im *importer) User(u *model.User) error {
	return addRecord(im, im.users, func() ([]byte, error) { return userRecord(u) },
		u.ServiceSid, u.Sid, u.Identity, int64(u.JoinedChannelsCount))
}

func (im *importer) Channel(c *model.Channel, lastIndex int) error {
	return addRecord(im, im.channels, func() ([]byte, error) { return channelRecord(c) },
		c.ServiceSid, c.Sid, c.UniqueName, c.Type, int64(lastIndex), int64(c.MessagesCount), int64(c.MembersCount), c.LastMessageSid)
}

func (im *importer) Member(m *model.Member) error {
	return addRecord(im, im.members, encode(record.Member, m), m.ServiceSid, m.ChannelSid, m.Sid, m.Identity, m.UserSid)
}

func (im *importer) Invite(in *model.Invite) error {
	return addRecord(im, im.invites, encode(record.Invite, in), in.ServiceSid, in.ChannelSid, in.Sid, in.Identity, in.UserSid)
}

func (im *importer) Message(m *model.Message) error {
	return addRecord(im, im.messages, func() ([]byte, error) { return record.EncodeMessage(m) },
		m.ServiceSid, m.ChannelSid, int64(m.Index), m.Sid)
}

func (im *importer) ChannelWebhook(wh *model.ChannelWebhook) error {
	return addRecord(im, im.webhooks, encode(record.ChannelWebhook, wh), wh.ServiceSid, wh.ChannelSid, wh.Sid, wh.Type)
}

func (im *importer) Binding(b *model.Binding) error {
	return addRecord(im, im.bindings, encode(record.Binding, b), b.ServiceSid, b.Sid, b.BindingType, b.Endpoint, b.UserSid)
}

// Media is stored as CommitStagedMedia leaves it: its chunk count is the
// one its upload staged (an empty file is one empty chunk).
func (im *importer) Media(me *model.Media) error {
	chunks := max(1, (me.Size+model.MediaChunkSize-1)/model.MediaChunkSize)
	return addRecord(im, im.media, func() ([]byte, error) { return mediaRecord(me) },
		me.ServiceSid, me.Sid, me.Size, int32(chunks), nullIfEmpty(me.ChannelSid), nullIfEmpty(me.MessageSid))
}

func (im *importer) MediaChunk(service, media string, seq int, data []byte) error {
	return im.add(im.chunks, service, media, int32(seq), bytes.Clone(data))
}

func (im *importer) Mutation(m *model.Mutation, seq uint64) error {
	im.lastSeq[m.ServiceSid] = max(im.lastSeq[m.ServiceSid], seq)
	return im.add(im.mutations, m.ServiceSid, m.Identity, m.ID, int64(seq), m.Ref, m.DateCreated)
}

func (im *importer) SyncLog(service string) error {
	im.syncLogs = append(im.syncLogs, service)
	return nil
}

func (im *importer) SyncObject(o *model.SyncObjectLog) error {
	return im.add(im.syncObjects, o.ServiceSid, []byte(o.ObjectSid), int64(o.LastEventID), int64(o.Trimmed), int32(o.Events), o.DateUpdated)
}

func (im *importer) SyncEvent(e *model.SyncEvent) error {
	return im.add(im.syncEvents, e.ServiceSid, int64(e.ID), []byte(e.ObjectSid), e.Date, e.Payload)
}

func (im *importer) Delivery(d *model.Delivery) error {
	return addRecord(im, im.deliveries, func() ([]byte, error) { return deliveryRecord(d) },
		int64(d.ID), d.ServiceSid, !d.Finished(), laneKey(d))
}

func (im *importer) Counters(lastDelivery, lastSyncEvent uint64) error {
	im.lastDelivery, im.lastSyncEvent = lastDelivery, lastSyncEvent
	return nil
}

// addRecord buffers a row of t: the key columns, then the record.
func addRecord(im *importer, t *table, record func() ([]byte, error), keys ...any) error {
	v, err := record()
	if err != nil {
		return err
	}
	return im.add(t, append(keys, v)...)
}

// encode is the stored form of m, by c.
func encode[M any](c record.Codec[M], m *M) func() ([]byte, error) {
	return func() ([]byte, error) { return c.Encode(m) }
}

// nullIfEmpty is NULL for "".
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

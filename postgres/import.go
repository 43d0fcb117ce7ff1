package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chatd/chatd/internal/record"
	"github.com/chatd/chatd/model"
)

// Import copies a whole store into the database, which must be empty: the
// records come as they are from fill, through a model.Loader, and go in by
// COPY with explicit column lists, table by table in dependency order, in
// transactions of about ImportOptions.TxBytes; counters (a Channel's
// message counter, the outbox's and the Sync log's last IDs, a Service's
// mutation sequence) are set directly, not counted up.
//
// The copy is not one transaction, so a failure leaves part of it behind.
// Its first transaction that writes marks the database as being copied
// into (a setting), and its last removes the mark: CheckImport refuses a database
// that still has it, and so does a new Import. One session advisory lock
// keeps two Imports out of one schema.

// ImportOptions configure Import.
type ImportOptions struct {
	// Source names what is copied (a file's path), for the mark of an
	// unfinished copy.
	Source string
	// TxBytes bounds the records and content one transaction writes; 16 MB
	// when zero.
	TxBytes int
	// Progress, when set, hears what has been committed so far, after each
	// transaction.
	Progress func(ImportProgress)
}

// ImportProgress is what an Import has committed so far.
type ImportProgress struct {
	// Tables counts the rows of each table, in the order the copy fills
	// them.
	Tables []TableCount
	// Bytes is the size of the records, keys and content copied.
	Bytes int64
}

// TableCount is how many rows of a table an Import has committed.
type TableCount struct {
	Table string
	Rows  int64
}

// Rows is the number of rows committed, all tables together.
func (p ImportProgress) Rows() int64 {
	var n int64
	for _, t := range p.Tables {
		n += t.Rows
	}
	return n
}

// ErrNotEmpty is the error of an Import into a database that holds chatd
// data already.
var ErrNotEmpty = errors.New("postgres: the database is not empty")

// settingImport is the setting that marks a database an Import has begun
// copying into and not finished: its value says from what and since when.
const settingImport = "chatd_import_unfinished"

// importLock is the advisory lock key of an Import, mixed with the
// schema's name as migrationLock is.
const importLock = "chatd import "

// importTxBytes is the default of ImportOptions.TxBytes.
const importTxBytes = 16 << 20

// Import copies what fill hands its Loader into the empty database (see
// above). It returns what it committed, also when it fails.
func (d *DB) Import(ctx context.Context, fill func(model.Loader) error, opts ImportOptions) (ImportProgress, error) {
	if opts.TxBytes <= 0 {
		opts.TxBytes = importTxBytes
	}
	pc, err := d.pool.Acquire(ctx)
	if err != nil {
		return ImportProgress{}, fmt.Errorf("postgres: %w", err)
	}
	defer pc.Release()
	conn := pc.Conn()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1 || current_schema(), 0))`, importLock).Scan(&locked); err != nil {
		return ImportProgress{}, fmt.Errorf("postgres: %w", err)
	}
	if !locked {
		return ImportProgress{}, errors.New("postgres: another copy into this database is under way")
	}
	defer func() {
		// A session lock outlives a transaction: it goes before the
		// connection goes back to the pool, or with the connection.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended($1 || current_schema(), 0))`, importLock); err != nil {
			conn.Close(context.WithoutCancel(ctx))
		}
	}()
	if err := checkEmpty(ctx, conn); err != nil {
		return ImportProgress{}, err
	}
	im := newImporter(ctx, conn, opts)
	if err := fill(im); err != nil {
		return im.progress(), err
	}
	if err := im.flush(); err != nil {
		return im.progress(), err
	}
	return im.progress(), im.finish()
}

// CheckImport returns an error when the database holds a copy that an
// Import began and did not finish, which no chatd should serve.
func (d *DB) CheckImport(ctx context.Context) error {
	var mark string
	err := d.pool.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, settingImport).Scan(&mark)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("postgres: %w", err)
	}
	return unfinishedImport(mark)
}

func unfinishedImport(mark string) error {
	return fmt.Errorf("postgres: the database holds an unfinished copy (%s): "+
		"empty it (drop its schema, or use a new database) and copy again", mark)
}

// checkEmpty refuses a database that holds anything of a chatd: records, a
// setting, or counters that gave IDs.
func checkEmpty(ctx context.Context, conn *pgx.Conn) error {
	var mark *string
	var services, credentials, keys, settings, deliveries, counters bool
	err := conn.QueryRow(ctx, `SELECT
			(SELECT value FROM settings WHERE name = $1),
			EXISTS (SELECT FROM services), EXISTS (SELECT FROM credentials), EXISTS (SELECT FROM api_keys),
			EXISTS (SELECT FROM settings), EXISTS (SELECT FROM deliveries),
			(SELECT last_id FROM outbox) > 0 OR (SELECT last_id FROM sync_counter) > 0`, settingImport).
		Scan(&mark, &services, &credentials, &keys, &settings, &deliveries, &counters)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if mark != nil {
		return fmt.Errorf("%w: %w", ErrNotEmpty, unfinishedImport(*mark))
	}
	var held []string
	for _, h := range []struct {
		yes  bool
		what string
	}{
		{services, "Services"}, {credentials, "Credentials"}, {keys, "API keys"},
		{settings, "settings"}, {deliveries, "webhook deliveries"}, {counters, "used counters"},
	} {
		if h.yes {
			held = append(held, h.what)
		}
	}
	if len(held) > 0 {
		return fmt.Errorf("%w: it holds %s of a chatd; copy into an empty database (a new one, or a new schema: search_path=…)",
			ErrNotEmpty, strings.Join(held, ", "))
	}
	return nil
}

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
	im.deliveries = t("deliveries", "id", "service_sid", "pending", "record")
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

// finish sets the counters and removes the mark, in the last transaction.
func (im *importer) finish() error {
	err := pgx.BeginFunc(im.ctx, im.conn, func(tx pgx.Tx) error {
		var seqs [][]any
		for service, last := range im.lastSeq {
			seqs = append(seqs, []any{service, int64(last)})
		}
		if _, err := tx.CopyFrom(im.ctx, pgx.Identifier{"mutation_seqs"}, []string{"service_sid", "last_seq"}, pgx.CopyFromRows(seqs)); err != nil {
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

func (im *importer) SyncObject(o *model.SyncObjectLog) error {
	return im.add(im.syncObjects, o.ServiceSid, []byte(o.ObjectSid), int64(o.LastEventID), int64(o.Trimmed), int32(o.Events), o.DateUpdated)
}

func (im *importer) SyncEvent(e *model.SyncEvent) error {
	return im.add(im.syncEvents, e.ServiceSid, int64(e.ID), []byte(e.ObjectSid), e.Date, e.Payload)
}

func (im *importer) Delivery(d *model.Delivery) error {
	return addRecord(im, im.deliveries, func() ([]byte, error) { return deliveryRecord(d) },
		int64(d.ID), d.ServiceSid, !d.Finished())
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

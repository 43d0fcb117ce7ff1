package postgres

// A Service's Sync log is started once its row says so (sync_log). A
// write reads the flag with a FOR KEY SHARE lock, which other writes of
// the Service do not wait for (a foreign key check takes the same) but
// StartSyncLog's FOR UPDATE does: a write that found the log not started,
// and so appends no events, commits before the log starts, and the first
// client to fetch the Service's objects finds its change in them. A write
// that reads the flag after the start commits finds it set, and appends.
// The flag is never cleared.

// syncLogQuery reads the flag; in an Update, syncLogLock follows it.
const (
	syncLogQuery = `SELECT sync_log FROM services WHERE service_sid = $1`
	syncLogLock  = ` FOR KEY SHARE`
)

// SyncLogStarted reads the flag, once per Update and Service: an Update
// holds its lock to the end, and an append reads it in its own statement
// (message.go).
func (t *tx) SyncLogStarted(service string) (bool, error) {
	if started, ok := t.syncLogs[service]; ok {
		return started, nil
	}
	q := syncLogQuery
	if t.writable {
		q += syncLogLock
	}
	var started bool
	if err := t.read(q, []any{service}, &started); err != nil {
		return false, err
	}
	t.found(service)
	t.sawSyncLog(service, started)
	return started, nil
}

// StartSyncLog sets the flag, once the writes that read it unset have
// committed.
func (t *tx) StartSyncLog(service string) error {
	if t.syncLogs[service] {
		return nil
	}
	var started bool
	if err := t.write(syncLogQuery+` FOR UPDATE`, []any{service}, &started); err != nil {
		return err
	}
	if !started {
		if _, err := t.exec(`UPDATE services SET sync_log = true WHERE service_sid = $1`, service); err != nil {
			return err
		}
	}
	t.found(service)
	t.sawSyncLog(service, true)
	return nil
}

// sawSyncLog notes what the transaction found of the flag of service.
func (t *tx) sawSyncLog(service string, started bool) {
	if t.syncLogs == nil {
		t.syncLogs = map[string]bool{}
	}
	t.syncLogs[service] = started
}

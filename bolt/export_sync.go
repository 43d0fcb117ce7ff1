package bolt

// syncLog hands out the Sync log of a Service (sync.go), when it is
// started: that it is, each object's record, then every event the log keeps, in ID order. It reads through the
// store's own Sync methods, so that events dropped but not yet swept are
// left behind as they are to every reader.
func (e *exporter) syncLog(service string) error {
	t := &tx{btx: e.btx}
	tree, err := t.syncTree(service, false)
	if tree == nil || err != nil {
		return err
	}
	if err := e.to.SyncLog(service); err != nil {
		return err
	}
	err = tree.objects.ForEach(func(k, _ []byte) error {
		o, err := t.SyncObjectLog(service, string(k))
		if err != nil {
			return err
		}
		return e.to.SyncObject(o)
	})
	if err != nil {
		return err
	}
	for after := uint64(0); ; {
		events, err := t.SyncFeed(service, after, exportSyncPage)
		if err != nil || len(events) == 0 {
			return err
		}
		for _, ev := range events {
			if err := e.to.SyncEvent(ev); err != nil {
				return err
			}
		}
		after = events[len(events)-1].ID
	}
}

// exportSyncPage is how many events of the log one read hands out.
const exportSyncPage = 1024

package changes

import (
	"testing"

	"github.com/chatd/chatd/model"
)

func message(channel string) model.Change {
	return model.Change{Op: model.ChangeAdded, Kind: model.ChangeMessage, ServiceSid: "IS1", ChannelSid: channel, Sid: "IM1"}
}

// signalled reports whether a signal is pending on c, taking it.
func signalled(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestWatch(t *testing.T) {
	var b Broker
	ch1, stop1 := b.Watch(func(c model.Change) bool { return c.ChannelSid == "CH1" })
	all, stopAll := b.Watch(nil)
	defer stopAll()

	b.Publish([]model.Change{message("CH2")})
	if signalled(ch1) {
		t.Error("a watcher of CH1 was signalled for CH2")
	}
	if !signalled(all) {
		t.Error("a watcher of everything was not signalled")
	}

	// Commits merge into one pending signal; Publish does not block.
	for range 3 {
		b.Publish([]model.Change{message("CH2"), message("CH1")})
	}
	if !signalled(ch1) || signalled(ch1) {
		t.Error("three commits did not leave exactly one signal")
	}

	stop1()
	b.Publish([]model.Change{message("CH1")})
	if signalled(ch1) {
		t.Error("a stopped watcher was signalled")
	}
	if got := b.Watchers(); got != 1 {
		t.Errorf("Watchers = %d, want 1", got)
	}
}

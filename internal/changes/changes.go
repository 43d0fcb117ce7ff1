// Package changes passes what chat commits to the live views of the data in
// the same process (the console's channel page; the realtime layer): chat
// publishes each commit's changes (chat.Options.OnCommit), and a watcher
// is signalled when one it cares about was committed. A signal carries no
// data: the watcher reads what it shows again, from where it was, so that
// no change is lost however signals merge.
package changes

import (
	"sync"

	"github.com/chatd/chatd/model"
)

// Broker signals watchers of committed changes. The zero value is ready.
type Broker struct {
	mu       sync.Mutex
	watchers map[*watcher]struct{}
}

type watcher struct {
	match  func(model.Change) bool
	signal chan struct{}
}

// Publish signals every watcher that matches one of cs. It never blocks:
// a watcher that has a signal pending gets no second one.
func (b *Broker) Publish(cs []model.Change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for w := range b.watchers {
		for _, c := range cs {
			if w.match == nil || w.match(c) {
				select {
				case w.signal <- struct{}{}:
				default:
				}
				break
			}
		}
	}
}

// Watch starts watching for the changes match accepts (all of them when
// match is nil): signal receives after each commit that made one, once
// for any number of commits since the last receive. match runs on the
// writer's goroutine and must return quickly. stop ends the watch.
func (b *Broker) Watch(match func(model.Change) bool) (signal <-chan struct{}, stop func()) {
	w := &watcher{match: match, signal: make(chan struct{}, 1)}
	b.mu.Lock()
	if b.watchers == nil {
		b.watchers = map[*watcher]struct{}{}
	}
	b.watchers[w] = struct{}{}
	b.mu.Unlock()
	return w.signal, func() {
		b.mu.Lock()
		delete(b.watchers, w)
		b.mu.Unlock()
	}
}

// Watchers is how many watches are open.
func (b *Broker) Watchers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.watchers)
}

package realtime

// Held reports what rt holds: the Services with a feed, the sockets with a
// session, and the subscriptions in all the feeds. For tests.
func (rt *Realtime) Held() (feeds, sessions, subscriptions int) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	for _, f := range rt.feeds {
		f.mu.Lock()
		for _, subs := range f.objects {
			subscriptions += len(subs)
		}
		f.mu.Unlock()
	}
	return len(rt.feeds), len(rt.sessions), subscriptions
}

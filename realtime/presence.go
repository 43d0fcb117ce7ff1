package realtime

import (
	"context"
	"time"
)

// Reachability: twilsock calls Connected when an identity's first socket
// of a Service opens and Disconnected when its last one closes, in that
// order for each identity, and Realtime records it through the Backend
// (chat.SetOnline), which changes the User's reachability only while its
// Service has reachability enabled.

// presenceTimeout bounds one reachability write.
const presenceTimeout = 10 * time.Second

// Connected records that identity is online in service.
func (rt *Realtime) Connected(service, identity string) { rt.setOnline(service, identity, true) }

// Disconnected records that identity is offline in service.
func (rt *Realtime) Disconnected(service, identity string) { rt.setOnline(service, identity, false) }

func (rt *Realtime) setOnline(service, identity string, online bool) {
	rt.mu.RLock()
	closed := rt.closed
	rt.mu.RUnlock()
	if closed {
		return // stopping: the next start sets everyone offline
	}
	ctx, cancel := context.WithTimeout(rt.ctx, presenceTimeout)
	defer cancel()
	if err := rt.api.SetOnline(ctx, service, identity, online); err != nil && rt.ctx.Err() == nil {
		rt.log.Error("reachability not recorded", "service", service, "identity", identity, "online", online, "err", err)
	}
}

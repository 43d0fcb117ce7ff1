package chatdtest

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// isTwilioHost reports whether host (with or without a port) is one of the
// hosts the fixture stands in for: PRODUCT.twilio.com,
// PRODUCT.REGION.twilio.com or PRODUCT.EDGE.REGION.twilio.com, for the
// products chat, ip-messaging and mcs, in any letter case. These are the
// forms Twilio's helper libraries build (twilio-go's BuildUrl).
func isTwilioHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	labels := strings.Split(strings.TrimSuffix(strings.ToLower(host), "."), ".")
	n := len(labels)
	if n < 3 || n > 5 || labels[n-2] != "twilio" || labels[n-1] != "com" {
		return false
	}
	switch labels[0] {
	case "chat", "ip-messaging", "mcs": // the Chat API, its v1 name, media
	default:
		return false
	}
	for _, l := range labels[1 : n-2] {
		if l == "" {
			return false
		}
	}
	return true
}

// router is the RoundTripper of RouteTo.
type router struct {
	target *url.URL
	next   http.RoundTripper
}

// RoundTrip sends req through next, rewritten to the target when its host
// is a Twilio host. The caller's request is never modified.
func (rt router) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL != nil && isTwilioHost(req.URL.Host) {
		r := req.Clone(req.Context())
		r.URL.Scheme, r.URL.Host, r.Host = rt.target.Scheme, rt.target.Host, rt.target.Host
		req = r
	}
	return rt.next.RoundTrip(req)
}

// CloseIdleConnections closes next's idle connections, if it keeps any, so
// that http.Client.CloseIdleConnections reaches them.
func (rt router) CloseIdleConnections() {
	if c, ok := rt.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Transport returns an http.RoundTripper that sends requests for Twilio's
// chat and media hosts to the fixture, and every other request unchanged
// to their own host, through a transport of the fixture's own (configured
// as http.DefaultTransport; Close closes its idle connections).
//
// The hosts sent to the fixture are chat.twilio.com,
// ip-messaging.twilio.com and mcs.twilio.com with, between the product and
// twilio.com, nothing, a region (chat.us1.twilio.com, mcs.us1.twilio.com),
// or an edge and a region (chat.sydney.au1.twilio.com), in any letter case
// and on any port. Their requests keep their method, path, query, headers
// and body; the scheme and host become the fixture's (http and
// 127.0.0.1:PORT), so the links and paging URLs in chatd's answers point
// at the fixture too, and pass through as other hosts do.
func (s *Server) Transport() http.RoundTripper {
	return s.Route(nil)
}

// Route is Transport with every request, rewritten or not, sent through
// next instead of the fixture's own transport: for a client that needs its
// own transport for other hosts (a proxy, TLS settings, a recorder). A nil
// next means the fixture's own transport.
func (s *Server) Route(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = s.transport
	}
	return RouteTo(s.target, next)
}

// RouteTo is Route for a chatd the test did not start with New (another
// process, a container): requests for Twilio's chat and media hosts go to
// the scheme and host of target, every other request passes unchanged, and
// all of them are sent through next (http.DefaultTransport when nil).
func RouteTo(target *url.URL, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return router{target: target, next: next}
}

// newTransport returns a transport configured as http.DefaultTransport,
// but the fixture's own, so that fixtures share no connections.
func newTransport() *http.Transport {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

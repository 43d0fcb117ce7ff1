package server

import (
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"
)

// RequestObserver hears of every request as it ends, for metrics: its
// method, the route pattern it matched ("" when it matched none, or was
// refused before routing), the status answered and how long it took. It is
// called from the request's goroutine, so it must be safe for concurrent
// use, and return quickly.
type RequestObserver interface {
	ObserveRequest(method, route string, status int, d time.Duration)
}

func (s *Server) observed(method string, info *requestInfo, took time.Duration) {
	if s.cfg.Observer != nil {
		s.cfg.Observer.ObserveRequest(method, info.route, info.status, took)
	}
}

// Paths of chatd's operations routes.
const (
	consolePrefix = "/_chatd/console/"
	metricsPath   = "/_chatd/metrics"
)

// mountOperations declares the web console, for the Account credentials
// only (it shows and changes everything, as they may), and the metrics.
func (s *Server) mountOperations(chatd routeGroup) {
	if h := s.cfg.Console; h != nil {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			chatd.route(method, consolePrefix+"*path", accountOnly(mount(h)))
		}
		chatd.route(http.MethodGet, consolePrefix[:len(consolePrefix)-1], func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
			http.Redirect(w, r, consolePrefix, http.StatusMovedPermanently)
			return nil
		})
	}
	if s.cfg.Metrics != nil {
		chatd.route(http.MethodGet, metricsPath, mount(s.cfg.Metrics))
	}
}

// publicMetrics reports whether r is a scrape of the metrics served
// without credentials (MetricsPublic).
func (s *Server) publicMetrics(r *http.Request) bool {
	return s.cfg.Metrics != nil && s.cfg.MetricsPublic && r.URL.Path == metricsPath
}

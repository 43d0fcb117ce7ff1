package server

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// handleHealth answers chatd's own readiness check, without credentials:
// 200 once the server is serving, with the kind of store it serves from,
// unless the store cannot be reached (Config.Ping).
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	if s.cfg.Ping != nil {
		if err := s.cfg.Ping(r.Context()); err != nil {
			return err
		}
	}
	return s.reply(w, r, http.StatusOK, func(b *body) {
		b.open("")
		b.str("status", "ok")
		if s.cfg.Store != "" {
			b.str("store", s.cfg.Store)
		}
		b.str("version", s.cfg.Version)
		b.close()
	})
}

// handleReset is POST /_chatd/reset: the data goes back to the seed in one
// transaction, all of it or only the Service named by ServiceSid. 204.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	f, err := postForm(w, r)
	if err != nil {
		return err
	}
	service := ""
	if v := f.str("ServiceSid"); v != nil {
		if !model.IsSID(model.PrefixService, *v) {
			return model.InvalidParam("ServiceSid", *v)
		}
		service = *v
	}
	if err := s.api.Reset(r.Context(), service); err != nil {
		return err
	}
	return noContent(w)
}

// handleSnapshot is GET /_chatd/snapshot: a consistent copy of the whole
// database file, taken while chatd keeps serving. A store that is no
// bbolt file (PostgreSQL) has its own backups: 501.
func (s *Server) handleSnapshot(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	if s.cfg.Snapshot == nil {
		store := s.cfg.Store
		if store == "" {
			store = "a store that is no bbolt file"
		}
		return model.Errorf(model.CodeNotImplemented, "GET /_chatd/snapshot copies chatd's bbolt file, and this chatd keeps its data in %s: "+
			"back it up with that database's own tools (for PostgreSQL: pg_dump, or pg_basebackup and its WAL)", store)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="chatd.db"`)
	if _, err := s.cfg.Snapshot(w); err != nil {
		// The body has started: the client sees a cut-off copy.
		s.log.Error("snapshot", "err", err)
	}
	return nil
}

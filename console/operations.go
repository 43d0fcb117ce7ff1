package console

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/chatd/chatd/model"
)

// resetPage asks which data to reset, and to confirm.
func (c *Console) resetPage(w http.ResponseWriter, r *http.Request) error {
	var services []*model.Service
	err := walk(func(p model.Page) ([]*model.Service, model.Cursor, error) {
		return c.api.ListServices(r.Context(), p)
	}, func(s *model.Service) { services = append(services, s) })
	if err != nil {
		return err
	}
	return c.render(w, http.StatusOK, "reset", view{
		Title: "Reset",
		Data: struct {
			Services []*model.Service
			Selected string
		}{services, r.URL.Query().Get("service")},
	})
}

// reset puts all the data, or one Service's, back to the seed, as
// POST /_chatd/reset does, and goes to what was reset.
func (c *Console) reset(w http.ResponseWriter, r *http.Request) error {
	service := r.PostFormValue("service")
	if service != "" && !model.IsSID(model.PrefixService, service) {
		return model.InvalidParam("service", service)
	}
	if err := c.api.Reset(r.Context(), service); err != nil {
		return err
	}
	to := Prefix
	if service != "" {
		// A Service the seed does not hold is gone after its reset.
		if _, err := c.api.FindService(r.Context(), service); err == nil {
			to = href("services", service)
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// errNoSnapshot answers for a store that cannot copy itself (PostgreSQL,
// which has its own backups), as GET /_chatd/snapshot does: 501.
var errNoSnapshot = model.Errorf(model.CodeNotImplemented, "This chatd keeps its data in a store that cannot write a snapshot of itself: back the database up with its own tools")

// snapshotPage says what the snapshot is, and offers its download.
func (c *Console) snapshotPage(w http.ResponseWriter, r *http.Request) error {
	if c.cfg.Snapshot == nil {
		return errNoSnapshot
	}
	return c.render(w, http.StatusOK, "snapshot", view{Title: "Snapshot"})
}

// snapshotDownload sends a consistent copy of the database, taken while
// chatd goes on serving: a file chatd serve --db opens.
func (c *Console) snapshotDownload(w http.ResponseWriter, r *http.Request) error {
	if c.cfg.Snapshot == nil {
		return errNoSnapshot
	}
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Now().Add(c.cfg.TransferTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	name := "chatd-" + time.Now().UTC().Format("20060102-150405") + ".db"
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if _, err := c.cfg.Snapshot(w); err != nil {
		// The body has started: the browser sees a cut-off download.
		c.log.Error("console: snapshot", "err", err)
	}
	return nil
}

// sameOrigin reports whether a form was sent from the console's own
// pages, the defence against cross-site request forgery: the browser
// sends the console's credentials with any request to it, whichever site
// made it. Browsers say where a request comes from in Sec-Fetch-Site, or,
// before that header, in Origin; a request with neither is not from a
// page in a browser, which is all that a forgery can use, so it is let
// through (as net/http's CrossOriginProtection does).
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chatd/chatd/model"
)

// pages are the parsed templates, one set per page: the layout, the shared
// partials and the page's own content.
type pages map[string]*template.Template

// parsePages parses every page of templates/. The templates are part of
// the binary, so a failure is a bug: it panics.
func parsePages() pages {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := pages{}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		out[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(files,
			"templates/layout.html", "templates/partials.html", name))
	}
	return out
}

// view is what the layout shows around a page's content.
type view struct {
	Title   string
	Crumbs  []crumb // the path to the page, from the top
	Version string
	// Snapshots is set when the store can write a snapshot of itself.
	Snapshots bool
	Data      any // the page's own
}

// crumb is one step of the path to a page.
type crumb struct{ Label, Href string }

// render writes page with data and the given status.
func (c *Console) render(w http.ResponseWriter, status int, page string, v view) error {
	v.Version, v.Snapshots = c.cfg.Version, c.cfg.Snapshot != nil
	var buf bytes.Buffer
	if err := c.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// fail renders err: a *model.Error with its status and message, anything
// else as an internal error, logged here and not shown.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *model.Error
	if !errors.As(err, &e) {
		c.log.Error("console: internal error", "err", err, "method", r.Method, "path", r.URL.Path)
		e = model.E(model.CodeInternalError)
	}
	msg := e.Message
	if e.Code == model.CodeNotFound && msg == "" {
		msg = "There is no such page: what it showed may have been deleted, or reset."
	}
	data := struct {
		Status  int
		Code    model.Code
		Message string
	}{e.Status(), e.Code, msg}
	if err := c.render(w, e.Status(), "error", view{Title: http.StatusText(e.Status()), Data: data}); err != nil {
		c.log.Error("console: render the error page", "err", err)
	}
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"href":      href,
	"date":      date,
	"ms":        ms,
	"str":       str,
	"printable": printable,
	"plural":    plural,
}

// href is the console's path of a page: Prefix and each part, escaped as
// a path segment. A part may be a string, an int or a uint64.
func href(parts ...any) string {
	segs := make([]string, len(parts))
	for i, p := range parts {
		segs[i] = url.PathEscape(fmt.Sprint(p))
	}
	return Prefix + strings.Join(segs, "/")
}

// withQuery is path with the non-empty values of kv (name, value, name,
// value …) as its query.
func withQuery(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// date is a time as the console shows it: UTC, to the second.
func date(t any) string {
	switch t := t.(type) {
	case time.Time:
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	case *time.Time:
		if t == nil {
			return "—"
		}
		return date(*t)
	}
	return fmt.Sprint(t)
}

// ms is a duration in milliseconds.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

// str is *string's value, or "" for nil.
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// printable is the bytes of an answer as text: what is not UTF-8 shows as
// U+FFFD.
func printable(b []byte) string { return strings.ToValidUTF8(string(b), "\uFFFD") }

// plural is "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

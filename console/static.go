package console

import (
	"bytes"
	"net/http"
	"time"

	"github.com/chatd/chatd/model"
)

// static serves a file of static/ (the style sheet, the script of live
// pages) from the binary.
func (c *Console) static(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	b, err := files.ReadFile("static/" + name)
	if err != nil {
		return model.NotFound()
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	return nil
}

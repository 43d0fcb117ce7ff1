package clientapi

import (
	"net/http"
	"strconv"

	"github.com/chatd/chatd/model"
)

// Page sizes of the Client API's lists.
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// readPage reads a list's PageSize (capped at maxPageSize) and PageToken,
// the token being one the list handed out in meta.
func readPage(r *http.Request) (model.Page, error) {
	q := r.URL.Query()
	pg := model.Page{Size: defaultPageSize, Token: q.Get("PageToken")}
	if s := q.Get("PageSize"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return pg, model.InvalidParam("PageSize", s)
		}
		pg.Size = min(n, maxPageSize)
	}
	return pg, nil
}

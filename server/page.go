package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/chatd/chatd/model"
)

// Page sizes: Twilio's default, and the maxima of the lists (v2).
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// readPage reads PageSize, Page and PageToken. A PageSize over the list's
// maximum is capped and reported as capped in meta.page_size; below 1 it is
// refused. Without one, the size is 50, or the maximum when that is smaller.
func readPage(f *form, max int) model.Page {
	p := model.Page{Size: min(defaultPageSize, max)}
	if n := f.integer("PageSize", model.CodeInvalidParameter); n != nil {
		if *n < 1 {
			f.fail(model.InvalidParam("PageSize", strconv.Itoa(*n)))
		}
		p.Size = min(*n, max)
	}
	if n := f.integer("Page", model.CodeInvalidParameter); n != nil {
		if *n < 0 {
			f.fail(model.InvalidParam("Page", strconv.Itoa(*n)))
		}
		p.Number = *n
	}
	if t := f.str("PageToken"); t != nil {
		p.Token = *t
	}
	return p
}

// filter is a list's query filter in the order Twilio writes it in meta
// URLs, ahead of PageSize and Page.
type filter []struct{ key, value string }

func (q filter) add(key string, values ...string) filter {
	for _, v := range values {
		q = append(q, struct{ key, value string }{key, v})
	}
	return q
}

// metaJSON is the meta object of every list response.
type metaJSON struct {
	Page            int     `json:"page"`
	PageSize        int     `json:"page_size"`
	FirstPageURL    string  `json:"first_page_url"`
	PreviousPageURL *string `json:"previous_page_url"`
	URL             string  `json:"url"`
	NextPageURL     *string `json:"next_page_url"`
	Key             string  `json:"key"`
}

// writeList writes a list response: the items under key and Twilio's meta,
// whose URLs repeat the filter and carry the cursor's tokens.
func (s *Server) writeList(w http.ResponseWriter, r *http.Request, key string, items any, q filter, p model.Page, c model.Cursor) error {
	pageURL := func(number int, token string) string {
		var b strings.Builder
		b.WriteString(s.base(r))
		b.WriteString(r.URL.Path)
		b.WriteByte('?')
		for _, kv := range q {
			b.WriteString(url.QueryEscape(kv.key) + "=" + url.QueryEscape(kv.value) + "&")
		}
		b.WriteString("PageSize=" + strconv.Itoa(p.Size) + "&Page=" + strconv.Itoa(number))
		if token != "" {
			b.WriteString("&PageToken=" + url.QueryEscape(token))
		}
		return b.String()
	}
	meta := metaJSON{
		Page:         p.Number,
		PageSize:     p.Size,
		FirstPageURL: pageURL(0, ""),
		URL:          pageURL(p.Number, p.Token),
		Key:          key,
	}
	if c.Next != "" {
		u := pageURL(p.Number+1, c.Next)
		meta.NextPageURL = &u
	}
	if c.Previous != "" && p.Number > 0 {
		u := pageURL(p.Number-1, c.Previous)
		meta.PreviousPageURL = &u
	}
	writeJSON(w, http.StatusOK, map[string]any{key: items, "meta": meta})
	return nil
}

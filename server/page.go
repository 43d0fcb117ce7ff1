package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/chatd/chatd/internal/jsonenc"
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

// replyList writes a list response: the items, which items writes as the
// elements of an array, under key, and Twilio's meta, whose URLs repeat the
// filter and carry the cursor's tokens.
func (s *Server) replyList(w http.ResponseWriter, r *http.Request, key string, q filter, p model.Page, c model.Cursor, items func(*body)) error {
	return s.reply(w, r, http.StatusOK, func(b *body) { b.list(r, key, q, p, c, items) })
}

// list writes the list response replyList sends.
func (b *body) list(r *http.Request, key string, q filter, p model.Page, c model.Cursor, items func(*body)) {
	b.open("")
	// The two members are in the order of their keys, as chatd has
	// always answered: "channels" before "meta", "meta" before
	// "services".
	if key < "meta" {
		b.openArray(key)
		items(b)
		b.closeArray()
		b.meta(r, key, q, p, c)
	} else {
		b.meta(r, key, q, p, c)
		b.openArray(key)
		items(b)
		b.closeArray()
	}
	b.close()
}

// meta writes the meta object of a list response.
func (b *body) meta(r *http.Request, key string, q filter, p model.Page, c model.Cursor) {
	b.open("meta")
	b.int("page", p.Number)
	b.int("page_size", p.Size)
	b.pageURL("first_page_url", r, q, p.Size, 0, "")
	if c.Previous != "" && p.Number > 0 {
		b.pageURL("previous_page_url", r, q, p.Size, p.Number-1, c.Previous)
	} else {
		b.null("previous_page_url")
	}
	b.pageURL("url", r, q, p.Size, p.Number, p.Token)
	if c.Next != "" {
		b.pageURL("next_page_url", r, q, p.Size, p.Number+1, c.Next)
	} else {
		b.null("next_page_url")
	}
	b.str("key", key)
	b.close()
}

// pageURL writes the URL of a page of the list r asked for: its path with
// the filter, PageSize, Page and the token, if any. Query escaping leaves
// only characters a JSON string carries as they are.
func (b *body) pageURL(k string, r *http.Request, q filter, size, number int, token string) {
	b.field(k)
	b.b = append(b.b, '"')
	b.b = jsonenc.AppendEscaped(b.b, b.base)
	b.b = jsonenc.AppendEscaped(b.b, r.URL.Path)
	b.b = append(b.b, '?')
	for _, kv := range q {
		b.b = append(b.b, url.QueryEscape(kv.key)...)
		b.b = append(b.b, '=')
		b.b = append(b.b, url.QueryEscape(kv.value)...)
		b.b = append(b.b, '&')
	}
	b.b = append(b.b, "PageSize="...)
	b.b = strconv.AppendInt(b.b, int64(size), 10)
	b.b = append(b.b, "&Page="...)
	b.b = strconv.AppendInt(b.b, int64(number), 10)
	if token != "" {
		b.b = append(b.b, "&PageToken="...)
		b.b = append(b.b, url.QueryEscape(token)...)
	}
	b.b = append(b.b, '"', ',')
}

package syncapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// rootJSON is an object's descriptor: data for a document, the link to the
// items of a map or list, and a map's items when asked for.
type rootJSON struct {
	Sid         string          `json:"sid"`
	UniqueName  string          `json:"unique_name"`
	URL         string          `json:"url"`
	Revision    string          `json:"revision"`
	LastEventID uint64          `json:"last_event_id"`
	DateUpdated string          `json:"date_updated"`
	DateExpires *string         `json:"date_expires"`
	Data        json.RawMessage `json:"data,omitempty"`
	Links       *linksJSON      `json:"links,omitempty"`
	Items       []itemJSON      `json:"items,omitempty"`
}

type linksJSON struct {
	Items string `json:"items"`
}

// itemJSON is an item of a map (key) or list (index).
type itemJSON struct {
	Key         *string         `json:"key,omitempty"`
	Index       *int            `json:"index,omitempty"`
	Data        json.RawMessage `json:"data"`
	URL         string          `json:"url"`
	Revision    string          `json:"revision"`
	LastEventID uint64          `json:"last_event_id"`
	DateUpdated string          `json:"date_updated"`
	DateExpires *string         `json:"date_expires"`
}

// pageJSON is a page of items; the SDK pages by the tokens.
type pageJSON struct {
	Items []itemJSON `json:"items"`
	Meta  metaJSON   `json:"meta"`
}

type metaJSON struct {
	Key             string  `json:"key"`
	PageSize        int     `json:"page_size"`
	URL             string  `json:"url"`
	PreviousToken   *string `json:"previous_token"`
	NextToken       *string `json:"next_token"`
	PreviousPageURL *string `json:"previous_page_url"`
	NextPageURL     *string `json:"next_page_url"`
}

func (a *API) root(r *http.Request, root *model.SyncRoot) rootJSON {
	base := a.base(r)
	out := rootJSON{
		Sid:         root.Ref.Sid(),
		UniqueName:  root.Ref.Name(),
		URL:         base + root.Ref.Path(),
		Revision:    model.SyncRevision(root.LastEventID),
		LastEventID: root.LastEventID,
		DateUpdated: date(root.DateUpdated),
		Data:        root.Data,
	}
	if root.Ref.Type() != model.SyncDocument {
		out.Links = &linksJSON{Items: base + root.Ref.ItemsPath()}
	}
	for _, it := range root.Items {
		out.Items = append(out.Items, a.item(base, root.Ref, it))
	}
	return out
}

func (a *API) item(base string, ref model.SyncRef, it *model.SyncItem) itemJSON {
	out := itemJSON{
		Data:        it.Data,
		URL:         base + ref.ItemPath(it.Key),
		Revision:    model.SyncRevision(it.LastEventID),
		LastEventID: it.LastEventID,
		DateUpdated: date(it.DateUpdated),
	}
	if ref.Type() == model.SyncList {
		index := it.Index
		out.Index = &index
	} else {
		key := it.Key
		out.Key = &key
	}
	return out
}

// handleRoot fetches an object; a map with Include=items comes with its
// items.
func (a *API) handleRoot(typ string) handler {
	return func(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
		withItems := typ == model.SyncMap && r.URL.Query().Get("Include") == "items"
		root, err := a.api.SyncRoot(r.Context(), p, typ, param(ps, "id"), withItems)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a.root(r, root))
		return nil
	}
}

// handleItems queries the items of a map (Key) or list (Index), or pages
// through them (From, Order, PageSize, PageToken). HideExpired changes
// nothing: chat's objects never expire.
func (a *API) handleItems(typ string) handler {
	return func(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
		query := r.URL.Query()
		q := model.SyncItemQuery{Order: query.Get("Order"), PageToken: query.Get("PageToken")}
		key := "Key"
		if typ == model.SyncList {
			key = "Index"
		}
		if query.Has(key) {
			v := query.Get(key)
			q.Key = &v
		}
		if query.Has("From") {
			v := query.Get("From")
			q.From = &v
		}
		if v := query.Get("PageSize"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return model.InvalidParam("PageSize", v)
			}
			q.PageSize = n
		}
		page, err := a.api.SyncItems(r.Context(), p, typ, param(ps, "id"), q)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a.page(r, page))
		return nil
	}
}

func (a *API) page(r *http.Request, page *model.SyncItemPage) pageJSON {
	base := a.base(r)
	items := base + page.Ref.ItemsPath()
	out := pageJSON{
		Items: []itemJSON{},
		Meta:  metaJSON{Key: "items", PageSize: page.PageSize, URL: base + r.URL.RequestURI()},
	}
	for _, it := range page.Items {
		out.Items = append(out.Items, a.item(base, page.Ref, it))
	}
	link := func(token string) (*string, *string) {
		if token == "" {
			return nil, nil
		}
		u := items + "?PageToken=" + url.QueryEscape(token)
		return &token, &u
	}
	out.Meta.PreviousToken, out.Meta.PreviousPageURL = link(page.PreviousToken)
	out.Meta.NextToken, out.Meta.NextPageURL = link(page.NextToken)
	return out
}

// handleItem fetches one item of a map by key or of a list by index.
func (a *API) handleItem(typ string) handler {
	return func(w http.ResponseWriter, r *http.Request, p *model.Principal, ps httprouter.Params) error {
		key := param(ps, "key")
		page, err := a.api.SyncItems(r.Context(), p, typ, param(ps, "id"), model.SyncItemQuery{Key: &key})
		if err != nil {
			return err
		}
		if len(page.Items) == 0 {
			if typ == model.SyncList {
				return model.Errorf(model.CodeSyncListItemNotFound, "List Item %s not found", key)
			}
			return model.Errorf(model.CodeSyncMapItemNotFound, "Map Item %s not found", key)
		}
		writeJSON(w, http.StatusOK, a.item(a.base(r), page.Ref, page.Items[0]))
		return nil
	}
}

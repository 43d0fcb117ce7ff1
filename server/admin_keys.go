package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// API keys and access tokens: chatd's own routes, for the Account
// credentials only (see accountOnly). The JSON of a key is Twilio's Keys
// resource; its secret is in the answer to the create alone.

// apiKey writes k, with its secret when one is given (in the answer to the
// create alone).
func (b *body) apiKey(k *model.APIKey, secret *string) {
	b.open("")
	b.str("sid", k.Sid)
	b.optStr("friendly_name", k.FriendlyName)
	b.date("date_created", k.DateCreated)
	b.date("date_updated", k.DateUpdated)
	if secret != nil {
		b.str("secret", *secret)
	}
	b.close()
}

// handleKeyCreate is POST /_chatd/keys (FriendlyName): 201 with the key and
// its secret, which is never shown again.
func (s *Server) handleKeyCreate(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	f, err := adminForm(w, r)
	if err != nil {
		return err
	}
	k, secret, err := s.api.CreateAPIKey(r.Context(), model.APIKeyCreate{FriendlyName: f.str("FriendlyName")})
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusCreated, func(b *body) { b.apiKey(k, &secret) })
}

// handleKeyList is GET /_chatd/keys: the stored keys in creation order,
// paged as Twilio's lists are. The configured --api-key-sid is not stored
// and not listed.
func (s *Server) handleKeyList(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	f := queryForm(r)
	pg := readPage(f, maxPageSize)
	if f.err != nil {
		return f.err
	}
	keys, cur, err := s.api.ListAPIKeys(r.Context(), pg)
	if err != nil {
		return err
	}
	return s.replyList(w, r, "keys", nil, pg, cur, func(b *body) {
		for _, k := range keys {
			b.apiKey(k, nil)
		}
	})
}

// handleKeyFetch is GET /_chatd/keys/{SK}, without the secret.
func (s *Server) handleKeyFetch(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	k, err := s.api.FindAPIKey(r.Context(), param(p, "sid"))
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusOK, func(b *body) { b.apiKey(k, nil) })
}

// handleKeyDelete is DELETE /_chatd/keys/{SK}: the tokens the key signed
// are refused from then on. 204.
func (s *Server) handleKeyDelete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.api.DeleteAPIKey(r.Context(), param(p, "sid")); err != nil {
		return err
	}
	return noContent(w)
}

// handleTokenCreate is POST /_chatd/tokens (Identity, ServiceSid, and Ttl
// in seconds, one hour by default): 201 with an access token for that
// identity, signed with the configured API key or the file's development
// key, for test suites and development.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	f, err := adminForm(w, r)
	if err != nil {
		return err
	}
	in := model.TokenMint{Identity: f.values.Get("Identity"), ServiceSid: f.values.Get("ServiceSid")}
	if ttl := f.integer("Ttl", model.CodeInvalidParameter); ttl != nil {
		if *ttl < 1 {
			f.fail(model.InvalidParam("Ttl", strconv.Itoa(*ttl)))
		}
		in.TTL = time.Duration(*ttl) * time.Second
	}
	if f.err != nil {
		return f.err
	}
	t, err := s.api.MintToken(r.Context(), in)
	if err != nil {
		return err
	}
	return s.reply(w, r, http.StatusCreated, func(b *body) {
		b.open("")
		b.str("token", t.Token)
		b.str("identity", t.Identity)
		b.str("service_sid", t.ServiceSid)
		b.date("expires", t.Expires)
		b.close()
	})
}

// adminForm reads the parameters of a POST to chatd's own routes: a form,
// as for the API, or a JSON object, which test suites find easier to send.
// A JSON string, number or boolean is a parameter's value; an array gives
// it several; null leaves it out.
func adminForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return postForm(w, r)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, model.Errorf(model.CodeInvalidParameter, "Request body exceeds %d bytes", maxBodyBytes)
		}
		return nil, model.Errorf(model.CodeInvalidParameter, "Malformed JSON body: %v", err)
	}
	values := url.Values{}
	for name, v := range fields {
		items, many := v.([]any)
		if !many {
			items = []any{v}
		}
		for _, item := range items {
			switch item := item.(type) {
			case nil:
			case string:
				values.Add(name, item)
			case json.Number:
				values.Add(name, item.String())
			case bool:
				values.Add(name, strconv.FormatBool(item))
			default:
				var b bytes.Buffer
				json.NewEncoder(&b).Encode(item)
				return nil, model.InvalidParam(name, string(bytes.TrimSpace(b.Bytes())))
			}
		}
	}
	return &form{values: values}, nil
}

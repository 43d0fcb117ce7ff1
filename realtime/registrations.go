package realtime

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
	"github.com/chatd/chatd/twilsock"
)

// Push registrations: what the SDK sends Twilio's registrar (ERS) when the
// app calls setPushRegistrationId, kept as the Binding Twilio makes of it.
// The Binding's credential is the token's push_credential_sid, its
// endpoint the token's endpoint_id (else the device's registration id), its
// type the registration's channel_type; registering the same device again
// replaces its Binding. The registration's id is the Binding's SID, which
// the SDK later deletes by.

// registrationJSON is a registration as the SDK sends it.
type registrationJSON struct {
	EndpointPlatform string   `json:"endpoint_platform"`
	ChannelType      string   `json:"channel_type"`
	Version          string   `json:"version"`
	MessageTypes     []string `json:"message_types"`
	Data             struct {
		RegistrationID string `json:"registration_id"`
	} `json:"data"`
}

// registrationReplyJSON is the registrar's answer; the SDK keeps id.
type registrationReplyJSON struct {
	ID           string   `json:"id"`
	ChannelType  string   `json:"channel_type"`
	Endpoint     string   `json:"endpoint"`
	MessageTypes []string `json:"message_types"`
}

// pushTypePrefix starts the SDK's names of the push message types:
// twilio.channel.new_message is a Binding's new_message.
const pushTypePrefix = "twilio.channel."

// principal is who a registration request acts as: its socket's identity,
// or, over plain HTTP, its access token's.
func (rt *Realtime) principal(r *http.Request) (*model.Principal, error) {
	if conn := twilsock.ConnFromContext(r.Context()); conn != nil {
		return conn.Principal(), nil
	}
	token := r.Header.Get(twilsock.TokenHeader)
	if token == "" {
		return nil, model.Errorf(model.CodeInvalidAccessToken, "Access Token missing: send it in the %s header", twilsock.TokenHeader)
	}
	return rt.api.Authenticate(r.Context(), token)
}

// handleRegistrationCreate is POST /v1/registrations: the device of the
// registration becomes a Binding of the token's identity.
func (rt *Realtime) handleRegistrationCreate(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	p, err := rt.principal(r)
	if err != nil {
		return err
	}
	var in registrationJSON
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil {
		return model.Errorf(model.CodeInvalidParameter, "Malformed JSON body: %v", err)
	}
	switch {
	case in.ChannelType == "":
		return model.MissingParam("channel_type")
	case in.Data.RegistrationID == "":
		return model.MissingParam("data.registration_id")
	case p.PushCredentialSid == "":
		return model.Errorf(model.CodeInvalidParameter, "The Access Token's chat grant has no push_credential_sid: push registration needs one")
	}
	b, created, err := rt.api.CreateBinding(r.Context(), p.ServiceSid, model.BindingCreate{
		Identity:      p.Identity,
		BindingType:   in.ChannelType,
		Endpoint:      endpoint(p, in.Data.RegistrationID),
		CredentialSid: p.PushCredentialSid,
		MessageTypes:  bindingTypes(in.MessageTypes),
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, registrationReplyJSON{ID: b.Sid, ChannelType: b.BindingType, Endpoint: b.Endpoint, MessageTypes: b.MessageTypes})
	return nil
}

// endpoint is the Binding endpoint of a device: the token's endpoint id,
// which the app chose for the device, else its registration id.
func endpoint(p *model.Principal, registrationID string) string {
	if p.EndpointID != "" {
		return p.EndpointID
	}
	return registrationID
}

// bindingTypes are the push message types of a registration that a
// Binding knows (the SDK also asks for consumption updates, which chatd's
// Bindings do not carry); none means all of them.
func bindingTypes(sdk []string) []string {
	var out []string
	for _, t := range sdk {
		t = strings.TrimPrefix(t, pushTypePrefix)
		if slices.Contains(model.BindingMessageTypes, t) {
			out = append(out, t)
		}
	}
	return out
}

// handleRegistrationDelete is DELETE /v1/registrations/{id}: the Binding
// goes, if it is the identity's own.
func (rt *Realtime) handleRegistrationDelete(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	p, err := rt.principal(r)
	if err != nil {
		return err
	}
	if err := rt.api.DeleteUserBinding(r.Context(), p.ServiceSid, p.Identity, ps.ByName("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleRegistrationsDelete is DELETE /v1/registrations with a body
// {binding_type, address}: the SDK's removal of every registration of a
// device, by its registration id. The identity's Bindings of that type for
// the device go.
func (rt *Realtime) handleRegistrationsDelete(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	p, err := rt.principal(r)
	if err != nil {
		return err
	}
	var in struct {
		BindingType string `json:"binding_type"`
		Address     string `json:"address"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil {
		return model.Errorf(model.CodeInvalidParameter, "Malformed JSON body: %v", err)
	}
	if in.BindingType == "" {
		return model.MissingParam("binding_type")
	}
	if in.Address == "" {
		return model.MissingParam("address")
	}
	device := endpoint(p, in.Address)
	pg := model.Page{Size: 50}
	for {
		bs, cur, err := rt.api.ListUserBindings(r.Context(), p.ServiceSid, p.Identity, []string{in.BindingType}, pg)
		if err != nil {
			return err
		}
		for _, b := range bs {
			if b.Endpoint != device && b.Endpoint != in.Address {
				continue
			}
			if err := rt.api.DeleteUserBinding(r.Context(), p.ServiceSid, p.Identity, b.Sid); err != nil {
				return err
			}
		}
		if cur.Next == "" {
			break
		}
		pg = model.Page{Size: 50, Token: cur.Next}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package clientapi

import (
	"errors"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// handleTyping is the typing indicator: a form body (ChannelSid=CH…, as the
// SDK sends it) naming a Channel the User may send to. The answer is how
// long the indicator lasts, in seconds; other Members are told over the
// client's socket, not here.
func (a *API) handleTyping(w http.ResponseWriter, r *http.Request, p *model.Principal, _ httprouter.Params) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return model.Errorf(model.CodeInvalidParameter, "Request body exceeds %d bytes", maxBodyBytes)
		}
		return model.Errorf(model.CodeInvalidParameter, "Malformed form body: %v", err)
	}
	channel := r.Form.Get("ChannelSid")
	if channel == "" {
		return model.MissingParam("ChannelSid")
	}
	timeout, err := a.api.TypingAs(r.Context(), p, channel)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		TypingTimeout int `json:"typing_timeout"`
	}{timeout})
	return nil
}

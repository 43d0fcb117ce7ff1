package clientapi

import (
	"errors"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// handleTyping is the typing indicator: a form body (ChannelSid=CH…, as the
// SDK sends it) naming a Channel the User may send to. The answer is how
// long the indicator lasts, in seconds, so that the client does not send
// another before; the Channel's other Members that are connected are sent
// the indicator over their sockets.
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
	t, err := a.api.TypingAs(r.Context(), p, channel)
	if err != nil {
		return err
	}
	a.notifyTyping(p.ServiceSid, t)
	writeJSON(w, http.StatusOK, struct {
		TypingTimeout int `json:"typing_timeout"`
	}{t.Timeout})
	return nil
}

// typingIndicatorType is the notification of a Member typing.
const typingIndicatorType = "twilio.ipmsg.typing_indicator"

// typingJSON is the typing notification. Its typing_timeout is a second
// longer than the Service's, as at Twilio: the receiving SDK shows the
// indicator for that long (unless the Member's message arrives first),
// while the sender, told the Service's own timeout, sends again no sooner,
// so that a Member who keeps typing shows without a gap.
type typingJSON struct {
	ChannelSid    string `json:"channel_sid"`
	Identity      string `json:"identity"`
	TypingTimeout int    `json:"typing_timeout"`
}

// notifyTyping sends t to the other Members; one that is not connected
// gets nothing, and a failure to reach one does not fail the request.
func (a *API) notifyTyping(service string, t *model.Typing) {
	if a.cfg.Notifier == nil {
		return
	}
	payload := typingJSON{ChannelSid: t.ChannelSid, Identity: t.Identity, TypingTimeout: t.Timeout + 1}
	for _, identity := range t.Members {
		if err := a.cfg.Notifier.Notify(service, identity, typingIndicatorType, payload); err != nil {
			a.log.Error("typing indicator not sent", "err", err)
			return
		}
	}
}

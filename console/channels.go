package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/chatd/chatd/model"
)

// channelsPage lists a Service's Channels with their counts and last
// message.
func (c *Console) channelsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := c.api.FindService(ctx, r.PathValue("service"))
	if err != nil {
		return err
	}
	chs, cur, err := c.api.ListChannels(ctx, s.Sid, model.ChannelFilter{}, pageOf(r, listSize))
	if err != nil {
		return err
	}
	type row struct {
		*model.Channel
		Last *model.Message // nil when the Channel has no message
	}
	rows := make([]row, len(chs))
	for i, ch := range chs {
		rows[i].Channel = ch
		if ch.LastMessageSid == "" {
			continue
		}
		m, err := c.api.FindMessage(ctx, s.Sid, ch.Sid, ch.LastMessageSid)
		if err != nil && !model.IsCode(err, model.CodeNotFound) { // deleted since the Channel was read
			return err
		}
		rows[i].Last = m
	}
	return c.render(w, http.StatusOK, "channels", view{
		Title:  "Channels",
		Crumbs: serviceCrumbs(s),
		Data: struct {
			Service  *model.Service
			Channels []row
			Pager    pager
		}{s, rows, pagerOf(r, href("services", s.Sid, "channels"), cur)},
	})
}

// messageForm is the form that posts a message, as sent.
type messageForm struct {
	From, Body, Attributes string
	Webhooks               bool
	Error                  string // why the last post failed
}

// channelPage shows a Channel: its messages newest first, a page at a
// time (the first page updates live), its Members with their consumption
// horizons, its Invites and webhooks, and the form that posts a message.
func (c *Console) channelPage(w http.ResponseWriter, r *http.Request) error {
	return c.showChannel(w, r, http.StatusOK, messageForm{From: model.DefaultAuthor, Webhooks: true})
}

func (c *Console) showChannel(w http.ResponseWriter, r *http.Request, status int, form messageForm) error {
	ctx := r.Context()
	s, err := c.api.FindService(ctx, r.PathValue("service"))
	if err != nil {
		return err
	}
	ch, err := c.api.FindChannel(ctx, s.Sid, r.PathValue("channel"))
	if err != nil {
		return err
	}
	msgs, cur, err := c.api.ListMessages(ctx, s.Sid, ch.Sid, model.MessageFilter{Order: model.OrderDesc}, pageOf(r, messageSize))
	if err != nil {
		return err
	}
	members, _, err := c.api.ListMembers(ctx, s.Sid, ch.Sid, model.MemberFilter{}, model.Page{Size: walkSize})
	if err != nil {
		return err
	}
	invites, _, err := c.api.ListInvites(ctx, s.Sid, ch.Sid, model.InviteFilter{}, model.Page{Size: walkSize})
	if err != nil {
		return err
	}
	webhooks, _, err := c.api.ListChannelWebhooks(ctx, s.Sid, ch.Sid, model.Page{Size: walkSize})
	if err != nil {
		return err
	}
	roles, err := c.roleNames(ctx, s.Sid)
	if err != nil {
		return err
	}
	path := href("services", s.Sid, "channels", ch.Sid)
	// Only the first page, whose newest message is the Channel's newest,
	// takes the new ones live: from after the newest shown, or from the
	// start when there are none.
	live, after := "", -1
	if r.URL.Query().Get("page") == "" {
		live = path + "/live"
		if len(msgs) > 0 {
			after = msgs[0].Index
		}
	}
	return c.render(w, status, "channel", view{
		Title: channelName(ch),
		Crumbs: append(serviceCrumbs(s),
			crumb{"Channels", href("services", s.Sid, "channels")}),
		Data: struct {
			Service   *model.Service
			Channel   *model.Channel
			Path      string
			Messages  []*model.Message
			Pager     pager
			Live      string
			After     int
			Members   []*model.Member
			Invites   []*model.Invite
			Webhooks  []*model.ChannelWebhook
			RoleNames map[string]string
			Form      messageForm
		}{s, ch, path, msgs, pagerOf(r, path, cur), live, after, members, invites, webhooks, roles, form},
	})
}

// channelName is what a Channel is called: its friendly name, its unique
// name, or its SID.
func channelName(ch *model.Channel) string {
	switch {
	case ch.FriendlyName != nil && *ch.FriendlyName != "":
		return *ch.FriendlyName
	case ch.UniqueName != nil && *ch.UniqueName != "":
		return *ch.UniqueName
	}
	return ch.Sid
}

// postMessage posts the form's message to the Channel, through the same
// rules as POST …/Messages, as the identity the form names; with
// Webhooks checked the post-event webhooks fire, as with
// X-Twilio-Webhook-Enabled: true. A refused message shows the page again
// with the reason; a sent one goes back to the page (post, redirect, get).
func (c *Console) postMessage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return model.Errorf(model.CodeInvalidParameter, "The form could not be read: %v", err)
	}
	form := messageForm{
		From:       strings.TrimSpace(r.PostFormValue("From")),
		Body:       r.PostFormValue("Body"),
		Attributes: strings.TrimSpace(r.PostFormValue("Attributes")),
		Webhooks:   r.PostFormValue("Webhooks") != "",
	}
	in := model.MessageCreate{Body: &form.Body}
	if form.From != "" {
		in.From = &form.From
	}
	if form.Attributes != "" {
		in.Attributes = &form.Attributes
	}
	ctx := model.WithWebhooks(r.Context(), form.Webhooks)
	service, channel := r.PathValue("service"), r.PathValue("channel")
	_, err := c.api.CreateMessage(ctx, service, channel, in)
	var refused *model.Error
	if errors.As(err, &refused) && refused.Code != model.CodeNotFound {
		form.Error = refused.Message
		if form.Error == "" {
			form.Error = http.StatusText(refused.Status())
		}
		return c.showChannel(w, r, refused.Status(), form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, href("services", service, "channels", channel), http.StatusSeeOther)
	return nil
}

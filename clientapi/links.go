package clientapi

import (
	"net/http"
	"net/url"

	"github.com/chatd/chatd/model"
)

// links builds the absolute URLs of one request's answer: the SDK's tunnel
// refuses relative ones.
type links struct{ root string }

func (a *API) links(r *http.Request) links { return links{root: a.base(r) + Prefix} }

func (l links) myConversations() string { return l.root + pathMyConversations }

func (l links) myConversation(channel string) string {
	return l.myConversations() + "/" + url.PathEscape(channel)
}

func (l links) conversations() string { return l.root + pathConversations }

func (l links) conversation(channel string) string {
	return l.conversations() + "/" + url.PathEscape(channel)
}

func (l links) participant(channel, sid string) string {
	return l.conversation(channel) + "/Participants/" + url.PathEscape(sid)
}

func (l links) message(channel, sid string) string {
	return l.conversation(channel) + "/Messages/" + url.PathEscape(sid)
}

func (l links) invite(channel, sid string) string {
	return l.conversation(channel) + "/Invites/" + url.PathEscape(sid)
}

func (l links) users() string { return l.root + pathUsers }

func (l links) user(identity string) string { return l.users() + "/" + url.PathEscape(identity) }

// refURL is the URL of what a first-person change touched.
func (a *API) refURL(r *http.Request, ref model.Ref) string {
	l := a.links(r)
	switch ref.Kind {
	case model.RefChannel:
		return l.conversation(ref.Sid)
	case model.RefMember:
		return l.participant(ref.Channel, ref.Sid)
	case model.RefMessage:
		return l.message(ref.Channel, ref.Sid)
	case model.RefInvite:
		return l.invite(ref.Channel, ref.Sid)
	case model.RefUser:
		return l.user(ref.Sid)
	case model.RefUserChannel:
		return l.myConversation(ref.Channel)
	default: // model.RefUserChannels
		return l.myConversations()
	}
}

package clientapi

import (
	"net/http"
	"strconv"

	"github.com/julienschmidt/httprouter"

	"github.com/chatd/chatd/model"
)

// The client options chatd sets itself: how many User infos the SDK keeps
// subscribed, and how long it may cache a GET.
const (
	userInfosToSubscribe = 100
	httpCacheInterval    = "PT1S"
)

type configurationJSON struct {
	Identity    string                `json:"identity"`
	Links       configurationLinks    `json:"links"`
	Options     configurationOptions  `json:"options"`
	SyncObjects configurationSyncJSON `json:"sync_objects"`
}

type configurationLinks struct {
	MyConversations  string `json:"my_conversations"`
	Conversations    string `json:"conversations"`
	Users            string `json:"users"`
	CurrentUser      string `json:"current_user"`
	Typing           string `json:"typing"`
	MediaService     string `json:"media_service"`
	MessagesReceipts string `json:"messages_receipts"`
}

type configurationOptions struct {
	ReachabilityEnabled       bool   `json:"reachability_enabled"`
	UserInfosToSubscribe      int    `json:"user_infos_to_subscribe"`
	HTTPCacheInterval         string `json:"http_cache_interval"`
	ConsumptionReportInterval string `json:"consumption_report_interval"`
}

type configurationSyncJSON struct {
	MyUserInfo      string `json:"my_user_info"`
	MyConversations string `json:"my_conversations"`
}

// handleConfiguration is the SDK's first request: who the token acts as,
// where everything else is, and the Service's client options. media_service
// is the media service (MCS) of the REST server's listener.
func (a *API) handleConfiguration(w http.ResponseWriter, r *http.Request, p *model.Principal, _ httprouter.Params) error {
	s, err := a.api.FindService(r.Context(), p.ServiceSid)
	if err != nil {
		return err
	}
	l := a.links(r)
	writeJSON(w, http.StatusOK, configurationJSON{
		Identity: p.Identity,
		Links: configurationLinks{
			MyConversations:  l.myConversations(),
			Conversations:    l.conversations(),
			Users:            l.users(),
			CurrentUser:      l.user(p.Identity),
			Typing:           l.root + pathTyping,
			MediaService:     a.base(r) + "/v1/Services/" + s.Sid + "/Media",
			MessagesReceipts: l.root + pathMessageReceipts,
		},
		Options: configurationOptions{
			ReachabilityEnabled:       s.ReachabilityEnabled,
			UserInfosToSubscribe:      userInfosToSubscribe,
			HTTPCacheInterval:         httpCacheInterval,
			ConsumptionReportInterval: seconds(s.ConsumptionReportInterval),
		},
		SyncObjects: configurationSyncJSON{
			MyUserInfo:      model.SyncUserInfo(p.User.Sid),
			MyConversations: model.SyncUserChannels(p.User.Sid),
		},
	})
	return nil
}

// seconds is an ISO-8601 duration of n seconds, such as PT10S.
func seconds(n int) string { return "PT" + strconv.Itoa(n) + "S" }

package chat

import (
	"context"
	"net/url"

	"github.com/chatd/chatd/model"
)

// preResult holds the fields an app's pre-event answer overrides (nil:
// unchanged).
type preResult struct{ Body, Attributes, FriendlyName, UniqueName *string }

// preEvent fires svc's pre-event webhook for event on behalf of p, with the
// event's own parameters. Until pre-event webhooks are sent, every action
// goes ahead unchanged.
func (c *Chat) preEvent(ctx context.Context, svc *model.Service, p *model.Principal, event string, params url.Values) (preResult, error) {
	return preResult{}, nil
}

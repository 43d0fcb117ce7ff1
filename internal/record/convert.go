package record

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/chatd/chatd/model"
)

// Conversions between the model types and their records (records.go). A
// record made from a model value shares its strings, lists and pointers: it
// lives only until it is encoded. A model value made from a record takes
// the record's, which decoding made fresh, so the record must not be used
// again without being zeroed first (decodeRecord does that).

// recordPtr is the pointer to a record type R: what its generated codec's
// methods are on.
type recordPtr[R any] interface {
	*R
	msgp.Marshaler
	msgp.Unmarshaler
}

// Codec encodes model values of type M as their records and decodes them
// back: the stored form of M in every engine.
type Codec[M any] struct {
	encode func(*M) ([]byte, error)
	decode func([]byte) (*M, error)
}

// newCodec is the Codec that stores M as records of type R.
func newCodec[M, R any, P recordPtr[R]](recordOf func(*M) *R, model func(*R) *M) Codec[M] {
	return Codec[M]{
		encode: func(m *M) ([]byte, error) { return encodeRecord(P(recordOf(m))) },
		decode: func(v []byte) (*M, error) {
			var rec R
			if err := decodeRecord(v, P(&rec)); err != nil {
				return nil, err
			}
			return model(&rec), nil
		},
	}
}

// Encode is the stored form of m, in a buffer of its own.
func (c Codec[M]) Encode(m *M) ([]byte, error) { return c.encode(m) }

// Decode decodes a stored value; nil v is model.ErrNotFound, so that a
// missing key reads as a missing record. The value is copied: it may be
// reused once Decode returns.
func (c Codec[M]) Decode(v []byte) (*M, error) { return c.decode(v) }

// The codecs of the model types. Messages have their own functions
// (EncodeMessage, DecodeMessage): their record leaves out what the key of
// a stored Message says.
var (
	Service        = newCodec(serviceRecordOf, (*serviceRecord).model)
	Role           = newCodec(roleRecordOf, (*roleRecord).model)
	User           = newCodec(userRecordOf, (*userRecord).model)
	UserChannel    = newCodec(userChannelRecordOf, (*userChannelRecord).model)
	Channel        = newCodec(channelRecordOf, (*channelRecord).model)
	Member         = newCodec(memberRecordOf, (*memberRecord).model)
	Invite         = newCodec(inviteRecordOf, (*inviteRecord).model)
	Credential     = newCodec(credentialRecordOf, (*credentialRecord).model)
	APIKey         = newCodec(apiKeyRecordOf, (*apiKeyRecord).model)
	Binding        = newCodec(bindingRecordOf, (*bindingRecord).model)
	ChannelWebhook = newCodec(channelWebhookRecordOf, (*channelWebhookRecord).model)
	Media          = newCodec(mediaRecordOf, (*mediaRecord).model)
	Delivery       = newCodec(deliveryRecordOf, (*deliveryRecord).model)
)

// EncodeMessage is the stored form of m without its Service, Channel and
// Index: where an engine keeps m says those.
func EncodeMessage(m *model.Message) ([]byte, error) { return encodeRecord(messageRecordOf(m)) }

// DecodeMessage decodes a stored Message into m, which it overwrites; m's
// ServiceSid, ChannelSid and Index are left zero for the caller to set
// from where the value was stored. nil v is model.ErrNotFound.
func DecodeMessage(v []byte, m *model.Message) error {
	if v == nil {
		return model.ErrNotFound
	}
	// Not through decodeRecord: called directly, UnmarshalMsg leaves the
	// record on the stack, and a page of Messages allocates no records.
	var rec messageRecord
	if _, err := rec.UnmarshalMsg(v); err != nil {
		return fmt.Errorf("record: decoding %T: %w", &rec, err)
	}
	rec.into(m)
	return nil
}

// encodeRecord encodes rec into a buffer of its own: an engine may keep
// the value until its transaction ends.
func encodeRecord(rec msgp.Marshaler) ([]byte, error) {
	v, err := rec.MarshalMsg(nil)
	if err != nil {
		return nil, fmt.Errorf("record: encoding %T: %w", rec, err)
	}
	return v, nil
}

// decodeRecord zeroes *rec and decodes v into it; nil v is ErrNotFound.
// Decoding copies, so the record stays valid after v is reused.
func decodeRecord[R any, P recordPtr[R]](v []byte, rec P) error {
	if v == nil {
		return model.ErrNotFound
	}
	*rec = *new(R)
	if _, err := rec.UnmarshalMsg(v); err != nil {
		return fmt.Errorf("record: decoding %T: %w", rec, err)
	}
	return nil
}

func serviceRecordOf(s *model.Service) *serviceRecord {
	r := &serviceRecord{
		Sid:                          s.Sid,
		FriendlyName:                 s.FriendlyName,
		DateCreated:                  s.DateCreated,
		DateUpdated:                  s.DateUpdated,
		DefaultServiceRoleSid:        s.DefaultServiceRoleSid,
		DefaultChannelRoleSid:        s.DefaultChannelRoleSid,
		DefaultChannelCreatorRoleSid: s.DefaultChannelCreatorRoleSid,
		ReadStatusEnabled:            s.ReadStatusEnabled,
		ReachabilityEnabled:          s.ReachabilityEnabled,
		TypingIndicatorTimeout:       s.TypingIndicatorTimeout,
		ConsumptionReportInterval:    s.ConsumptionReportInterval,
		LimitsChannelMembers:         s.Limits.ChannelMembers,
		LimitsUserChannels:           s.Limits.UserChannels,
		NewMessage:                   notificationRecord(s.Notifications.NewMessage),
		AddedToChannel:               notificationRecord(s.Notifications.AddedToChannel),
		RemovedFromChannel:           notificationRecord(s.Notifications.RemovedFromChannel),
		InvitedToChannel:             notificationRecord(s.Notifications.InvitedToChannel),
		NotificationsLogEnabled:      s.Notifications.LogEnabled,
		MediaSizeLimitMB:             s.Media.SizeLimitMB,
		MediaCompatibilityMessage:    s.Media.CompatibilityMessage,
		PreWebhookURL:                s.PreWebhookURL,
		PostWebhookURL:               s.PostWebhookURL,
		WebhookMethod:                s.WebhookMethod,
		WebhookFilters:               s.WebhookFilters,
		PreWebhookRetryCount:         s.PreWebhookRetryCount,
		PostWebhookRetryCount:        s.PostWebhookRetryCount,
	}
	if s.Webhooks != nil {
		r.Webhooks = make([]eventWebhookRecord, 0, len(s.Webhooks))
		for _, event := range slices.Sorted(maps.Keys(s.Webhooks)) {
			wh := s.Webhooks[event]
			r.Webhooks = append(r.Webhooks, eventWebhookRecord{Event: event, URL: wh.URL, Method: wh.Method})
		}
	}
	return r
}

func (r *serviceRecord) model() *model.Service {
	s := &model.Service{
		Sid:                          r.Sid,
		FriendlyName:                 r.FriendlyName,
		DateCreated:                  r.DateCreated,
		DateUpdated:                  r.DateUpdated,
		DefaultServiceRoleSid:        r.DefaultServiceRoleSid,
		DefaultChannelRoleSid:        r.DefaultChannelRoleSid,
		DefaultChannelCreatorRoleSid: r.DefaultChannelCreatorRoleSid,
		ReadStatusEnabled:            r.ReadStatusEnabled,
		ReachabilityEnabled:          r.ReachabilityEnabled,
		TypingIndicatorTimeout:       r.TypingIndicatorTimeout,
		ConsumptionReportInterval:    r.ConsumptionReportInterval,
		Limits:                       model.ServiceLimits{ChannelMembers: r.LimitsChannelMembers, UserChannels: r.LimitsUserChannels},
		Notifications: model.ServiceNotifications{
			NewMessage:         model.Notification(r.NewMessage),
			AddedToChannel:     model.Notification(r.AddedToChannel),
			RemovedFromChannel: model.Notification(r.RemovedFromChannel),
			InvitedToChannel:   model.Notification(r.InvitedToChannel),
			LogEnabled:         r.NotificationsLogEnabled,
		},
		Media:                 model.ServiceMedia{SizeLimitMB: r.MediaSizeLimitMB, CompatibilityMessage: r.MediaCompatibilityMessage},
		PreWebhookURL:         r.PreWebhookURL,
		PostWebhookURL:        r.PostWebhookURL,
		WebhookMethod:         r.WebhookMethod,
		WebhookFilters:        r.WebhookFilters,
		PreWebhookRetryCount:  r.PreWebhookRetryCount,
		PostWebhookRetryCount: r.PostWebhookRetryCount,
	}
	if r.Webhooks != nil {
		s.Webhooks = make(map[string]model.EventWebhook, len(r.Webhooks))
		for _, wh := range r.Webhooks {
			s.Webhooks[wh.Event] = model.EventWebhook{URL: wh.URL, Method: wh.Method}
		}
	}
	return s
}

func roleRecordOf(r *model.Role) *roleRecord {
	return &roleRecord{Sid: r.Sid, ServiceSid: r.ServiceSid, FriendlyName: r.FriendlyName, Type: r.Type,
		Permissions: r.Permissions, DateCreated: r.DateCreated, DateUpdated: r.DateUpdated}
}

func (r *roleRecord) model() *model.Role {
	return &model.Role{Sid: r.Sid, ServiceSid: r.ServiceSid, FriendlyName: r.FriendlyName, Type: r.Type,
		Permissions: r.Permissions, DateCreated: r.DateCreated, DateUpdated: r.DateUpdated}
}

func userRecordOf(u *model.User) *userRecord {
	return &userRecord{Sid: u.Sid, ServiceSid: u.ServiceSid, Identity: u.Identity, FriendlyName: u.FriendlyName,
		Attributes: u.Attributes, RoleSid: u.RoleSid, JoinedChannelsCount: u.JoinedChannelsCount,
		DateCreated: u.DateCreated, DateUpdated: u.DateUpdated, Online: u.Online}
}

func (r *userRecord) model() *model.User {
	return &model.User{Sid: r.Sid, ServiceSid: r.ServiceSid, Identity: r.Identity, FriendlyName: r.FriendlyName,
		Attributes: r.Attributes, RoleSid: r.RoleSid, JoinedChannelsCount: r.JoinedChannelsCount,
		DateCreated: r.DateCreated, DateUpdated: r.DateUpdated, Online: r.Online}
}

func userChannelRecordOf(l *model.UserChannelLink) *userChannelRecord {
	return (*userChannelRecord)(l)
}

func (r *userChannelRecord) model() *model.UserChannelLink {
	l := model.UserChannelLink(*r)
	return &l
}

func channelRecordOf(c *model.Channel) *channelRecord {
	return &channelRecord{Sid: c.Sid, ServiceSid: c.ServiceSid, FriendlyName: c.FriendlyName, UniqueName: c.UniqueName,
		Attributes: c.Attributes, Type: c.Type, CreatedBy: c.CreatedBy, DateCreated: c.DateCreated, DateUpdated: c.DateUpdated,
		MessagingServiceSid: c.MessagingServiceSid, MembersCount: c.MembersCount, MessagesCount: c.MessagesCount,
		LastMessageSid: c.LastMessageSid}
}

func (r *channelRecord) model() *model.Channel {
	return &model.Channel{Sid: r.Sid, ServiceSid: r.ServiceSid, FriendlyName: r.FriendlyName, UniqueName: r.UniqueName,
		Attributes: r.Attributes, Type: r.Type, CreatedBy: r.CreatedBy, DateCreated: r.DateCreated, DateUpdated: r.DateUpdated,
		MessagingServiceSid: r.MessagingServiceSid, MembersCount: r.MembersCount, MessagesCount: r.MessagesCount,
		LastMessageSid: r.LastMessageSid}
}

func memberRecordOf(m *model.Member) *memberRecord {
	return &memberRecord{Sid: m.Sid, ServiceSid: m.ServiceSid, ChannelSid: m.ChannelSid, UserSid: m.UserSid,
		Identity: m.Identity, RoleSid: m.RoleSid, Attributes: m.Attributes,
		LastConsumedMessageIndex: m.LastConsumedMessageIndex, LastConsumptionTimestamp: m.LastConsumptionTimestamp,
		NotificationLevel: m.NotificationLevel, DateCreated: m.DateCreated, DateUpdated: m.DateUpdated}
}

func (r *memberRecord) model() *model.Member {
	return &model.Member{Sid: r.Sid, ServiceSid: r.ServiceSid, ChannelSid: r.ChannelSid, UserSid: r.UserSid,
		Identity: r.Identity, RoleSid: r.RoleSid, Attributes: r.Attributes,
		LastConsumedMessageIndex: r.LastConsumedMessageIndex, LastConsumptionTimestamp: r.LastConsumptionTimestamp,
		NotificationLevel: r.NotificationLevel, DateCreated: r.DateCreated, DateUpdated: r.DateUpdated}
}

func messageRecordOf(m *model.Message) *messageRecord {
	r := &messageRecord{Sid: m.Sid, From: m.From, Body: m.Body, Attributes: m.Attributes,
		LastUpdatedBy: m.LastUpdatedBy, WasEdited: m.WasEdited, DateCreated: m.DateCreated, DateUpdated: m.DateUpdated}
	if md := m.Media; md != nil {
		r.Media = &messageMediaRecord{Sid: md.Sid, Size: md.Size, ContentType: md.ContentType, Filename: md.Filename}
	}
	return r
}

// into fills m with the record, leaving m's ServiceSid, ChannelSid and
// Index zero.
func (r *messageRecord) into(m *model.Message) {
	*m = model.Message{Sid: r.Sid, From: r.From, Body: r.Body,
		Attributes: r.Attributes, LastUpdatedBy: r.LastUpdatedBy, WasEdited: r.WasEdited,
		DateCreated: r.DateCreated, DateUpdated: r.DateUpdated}
	if md := r.Media; md != nil {
		m.Media = &model.MessageMedia{Sid: md.Sid, Size: md.Size, ContentType: md.ContentType, Filename: md.Filename}
	}
}

func inviteRecordOf(in *model.Invite) *inviteRecord {
	return &inviteRecord{Sid: in.Sid, ServiceSid: in.ServiceSid, ChannelSid: in.ChannelSid, UserSid: in.UserSid,
		Identity: in.Identity, RoleSid: in.RoleSid, CreatedBy: in.CreatedBy, DateCreated: in.DateCreated, DateUpdated: in.DateUpdated}
}

func (r *inviteRecord) model() *model.Invite {
	return &model.Invite{Sid: r.Sid, ServiceSid: r.ServiceSid, ChannelSid: r.ChannelSid, UserSid: r.UserSid,
		Identity: r.Identity, RoleSid: r.RoleSid, CreatedBy: r.CreatedBy, DateCreated: r.DateCreated, DateUpdated: r.DateUpdated}
}

func credentialRecordOf(c *model.Credential) *credentialRecord {
	return &credentialRecord{Sid: c.Sid, FriendlyName: c.FriendlyName, Type: c.Type, Sandbox: c.Sandbox,
		DateCreated: c.DateCreated, DateUpdated: c.DateUpdated,
		Certificate: c.Certificate, PrivateKey: c.PrivateKey, ApiKey: c.ApiKey, Secret: c.Secret}
}

func (r *credentialRecord) model() *model.Credential {
	return &model.Credential{Sid: r.Sid, FriendlyName: r.FriendlyName, Type: r.Type, Sandbox: r.Sandbox,
		DateCreated: r.DateCreated, DateUpdated: r.DateUpdated,
		Certificate: r.Certificate, PrivateKey: r.PrivateKey, ApiKey: r.ApiKey, Secret: r.Secret}
}

func apiKeyRecordOf(k *model.APIKey) *apiKeyRecord {
	return &apiKeyRecord{Sid: k.Sid, FriendlyName: k.FriendlyName, SealedSecret: k.SealedSecret,
		DateCreated: k.DateCreated, DateUpdated: k.DateUpdated}
}

func (r *apiKeyRecord) model() *model.APIKey {
	return &model.APIKey{Sid: r.Sid, FriendlyName: r.FriendlyName, SealedSecret: r.SealedSecret,
		DateCreated: r.DateCreated, DateUpdated: r.DateUpdated}
}

func bindingRecordOf(b *model.Binding) *bindingRecord {
	return &bindingRecord{Sid: b.Sid, ServiceSid: b.ServiceSid, UserSid: b.UserSid, Identity: b.Identity,
		Endpoint: b.Endpoint, BindingType: b.BindingType, CredentialSid: b.CredentialSid, MessageTypes: b.MessageTypes,
		DateCreated: b.DateCreated, DateUpdated: b.DateUpdated}
}

func (r *bindingRecord) model() *model.Binding {
	return &model.Binding{Sid: r.Sid, ServiceSid: r.ServiceSid, UserSid: r.UserSid, Identity: r.Identity,
		Endpoint: r.Endpoint, BindingType: r.BindingType, CredentialSid: r.CredentialSid, MessageTypes: r.MessageTypes,
		DateCreated: r.DateCreated, DateUpdated: r.DateUpdated}
}

func channelWebhookRecordOf(wh *model.ChannelWebhook) *channelWebhookRecord {
	return &channelWebhookRecord{Sid: wh.Sid, ServiceSid: wh.ServiceSid, ChannelSid: wh.ChannelSid, Type: wh.Type,
		URL: wh.URL, Method: wh.Method, Filters: wh.Filters, Triggers: wh.Triggers, FlowSid: wh.FlowSid,
		RetryCount: wh.RetryCount, DateCreated: wh.DateCreated, DateUpdated: wh.DateUpdated}
}

func (r *channelWebhookRecord) model() *model.ChannelWebhook {
	return &model.ChannelWebhook{Sid: r.Sid, ServiceSid: r.ServiceSid, ChannelSid: r.ChannelSid, Type: r.Type,
		URL: r.URL, Method: r.Method, Filters: r.Filters, Triggers: r.Triggers, FlowSid: r.FlowSid,
		RetryCount: r.RetryCount, DateCreated: r.DateCreated, DateUpdated: r.DateUpdated}
}

func mediaRecordOf(m *model.Media) *mediaRecord {
	return &mediaRecord{Sid: m.Sid, ServiceSid: m.ServiceSid, ChannelSid: m.ChannelSid, MessageSid: m.MessageSid,
		Size: m.Size, ContentType: m.ContentType, Filename: m.Filename, Author: m.Author,
		DateCreated: m.DateCreated, DateUpdated: m.DateUpdated}
}

func (r *mediaRecord) model() *model.Media {
	return &model.Media{Sid: r.Sid, ServiceSid: r.ServiceSid, ChannelSid: r.ChannelSid, MessageSid: r.MessageSid,
		Size: r.Size, ContentType: r.ContentType, Filename: r.Filename, Author: r.Author,
		DateCreated: r.DateCreated, DateUpdated: r.DateUpdated}
}

// deliveryRecordOf and model map every field of a Delivery one to one,
// except Params (a list sorted by name) and the durations (nanoseconds).
func deliveryRecordOf(d *model.Delivery) *deliveryRecord {
	r := &deliveryRecord{
		ID:           d.ID,
		ServiceSid:   d.ServiceSid,
		ChannelSid:   d.ChannelSid,
		Event:        d.Event,
		URL:          d.URL,
		Method:       d.Method,
		WebhookSid:   d.WebhookSid,
		WebhookType:  d.WebhookType,
		MaxRetries:   d.MaxRetries,
		Status:       d.Status,
		Attempts:     d.Attempts,
		ResponseCode: d.ResponseCode,
		Error:        d.Error,
		Duration:     int64(d.Duration),
		DateCreated:  d.DateCreated,
		DateUpdated:  d.DateUpdated,
		NextAttempt:  d.NextAttempt,
		ErrorCode:    d.ErrorCode,
	}
	if d.Params != nil {
		r.Params = make([]paramRecord, 0, len(d.Params))
		for name, values := range d.Params {
			r.Params = append(r.Params, paramRecord{Name: name, Values: values})
		}
		slices.SortFunc(r.Params, func(a, b paramRecord) int { return cmp.Compare(a.Name, b.Name) })
	}
	if d.Log != nil {
		r.Log = make([]attemptRecord, len(d.Log))
		for i, a := range d.Log {
			r.Log[i] = attemptRecord{Start: a.Start, Duration: int64(a.Duration), Status: a.Status,
				Error: a.Error, Signature: a.Signature, Response: a.Response}
		}
	}
	return r
}

func (r *deliveryRecord) model() *model.Delivery {
	d := &model.Delivery{
		ID:           r.ID,
		ServiceSid:   r.ServiceSid,
		ChannelSid:   r.ChannelSid,
		Event:        r.Event,
		URL:          r.URL,
		Method:       r.Method,
		WebhookSid:   r.WebhookSid,
		WebhookType:  r.WebhookType,
		MaxRetries:   r.MaxRetries,
		Status:       r.Status,
		Attempts:     r.Attempts,
		ResponseCode: r.ResponseCode,
		Error:        r.Error,
		Duration:     time.Duration(r.Duration),
		DateCreated:  r.DateCreated,
		DateUpdated:  r.DateUpdated,
		NextAttempt:  r.NextAttempt,
		ErrorCode:    r.ErrorCode,
	}
	if r.Params != nil {
		d.Params = make(map[string][]string, len(r.Params))
		for _, p := range r.Params {
			d.Params[p.Name] = p.Values
		}
	}
	if r.Log != nil {
		d.Log = make([]model.DeliveryAttempt, len(r.Log))
		for i, a := range r.Log {
			d.Log[i] = model.DeliveryAttempt{Start: a.Start, Duration: time.Duration(a.Duration), Status: a.Status,
				Error: a.Error, Signature: a.Signature, Response: a.Response}
		}
	}
	return d
}

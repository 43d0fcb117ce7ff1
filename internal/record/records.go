// Package record is how chatd's data is encoded where it is stored: the
// record format that every storage engine writes (package bolt into its
// bbolt file, package postgres into bytea columns), so that the engines
// agree on what a stored value means and a copy from one to the other moves
// bytes, not meanings.
//
// Every stored value of a model type is the MessagePack encoding of one of
// the record types below, by the codec generated into records_gen.go. A
// record is a map from field numbers (the msg tags) to values; the numbers
// are the format, so renaming a field here or in package model changes
// nothing stored. The conversions to and from the model types, and the
// codecs an engine uses, are in convert.go.
//
// Rules that keep every record ever written readable:
//   - Never renumber a field or reuse the number of one that was removed
//     (leave a comment saying it is retired).
//   - A new field takes the next free number. Records written before it
//     decode it as its zero value, so choose a meaning where zero is what
//     those records meant; any other change of meaning needs a migration in
//     every engine (bolt's schema version, postgres's numbered migrations).
//   - omitempty leaves zero values out. Lists keep allownil instead, so that
//     nil (nil) and empty (an empty array) stay apart: the wire tells them
//     apart (null or []). Maps are stored as lists sorted by key, so that a
//     record always encodes to the same bytes.
//   - Times are MessagePack timestamps, decoded in UTC.
//
// Adding a kind of record:
//  1. declare its type here (name it <kind>Record, number its fields);
//  2. run `go generate ./internal/record/`: it rewrites records_gen.go and
//     its test;
//  3. in convert.go, write <kind>RecordOf (model to record) and the
//     record's model method, and declare its codec;
//  4. store and read it through the codec in each engine;
//  5. give it a fixed value in bolt's goldenRecords (bolt/records_test.go)
//     and run `go test ./bolt/ -run TestGolden -update`; add it to bolt's
//     fixture (bolt/fixture_test.go) too.
package record

import "time"

//go:generate go run github.com/tinylib/msgp@v1.6.5 -file records.go -o records_gen.go -unexported -io=false

//msgp:newtime
//msgp:timezone utc

type serviceRecord struct {
	Sid                          string               `msg:"1,omitempty"`
	FriendlyName                 string               `msg:"2,omitempty"`
	DateCreated                  time.Time            `msg:"3,omitempty"`
	DateUpdated                  time.Time            `msg:"4,omitempty"`
	DefaultServiceRoleSid        string               `msg:"5,omitempty"`
	DefaultChannelRoleSid        string               `msg:"6,omitempty"`
	DefaultChannelCreatorRoleSid string               `msg:"7,omitempty"`
	ReadStatusEnabled            bool                 `msg:"8,omitempty"`
	ReachabilityEnabled          bool                 `msg:"9,omitempty"`
	TypingIndicatorTimeout       int                  `msg:"10,omitempty"`
	ConsumptionReportInterval    int                  `msg:"11,omitempty"`
	LimitsChannelMembers         int                  `msg:"12,omitempty"`
	LimitsUserChannels           int                  `msg:"13,omitempty"`
	NewMessage                   notificationRecord   `msg:"14"`
	AddedToChannel               notificationRecord   `msg:"15"`
	RemovedFromChannel           notificationRecord   `msg:"16"`
	InvitedToChannel             notificationRecord   `msg:"17"`
	NotificationsLogEnabled      bool                 `msg:"18,omitempty"`
	MediaSizeLimitMB             int                  `msg:"19,omitempty"`
	MediaCompatibilityMessage    string               `msg:"20,omitempty"`
	PreWebhookURL                *string              `msg:"21,omitempty"`
	PostWebhookURL               *string              `msg:"22,omitempty"`
	WebhookMethod                *string              `msg:"23,omitempty"`
	WebhookFilters               []string             `msg:"24,allownil"`
	PreWebhookRetryCount         int                  `msg:"25,omitempty"`
	PostWebhookRetryCount        int                  `msg:"26,omitempty"`
	Webhooks                     []eventWebhookRecord `msg:"27,allownil"` // sorted by Event
}

type notificationRecord struct {
	Enabled           bool    `msg:"1,omitempty"`
	Template          *string `msg:"2,omitempty"`
	Sound             *string `msg:"3,omitempty"`
	BadgeCountEnabled *bool   `msg:"4,omitempty"`
}

type eventWebhookRecord struct {
	Event  string  `msg:"1"`
	URL    *string `msg:"2,omitempty"`
	Method *string `msg:"3,omitempty"`
}

type roleRecord struct {
	Sid          string    `msg:"1,omitempty"`
	ServiceSid   string    `msg:"2,omitempty"`
	FriendlyName string    `msg:"3,omitempty"`
	Type         string    `msg:"4,omitempty"`
	Permissions  []string  `msg:"5,allownil"`
	DateCreated  time.Time `msg:"6,omitempty"`
	DateUpdated  time.Time `msg:"7,omitempty"`
}

type userRecord struct {
	Sid                 string    `msg:"1,omitempty"`
	ServiceSid          string    `msg:"2,omitempty"`
	Identity            string    `msg:"3,omitempty"`
	FriendlyName        *string   `msg:"4,omitempty"`
	Attributes          string    `msg:"5,omitempty"`
	RoleSid             string    `msg:"6,omitempty"`
	JoinedChannelsCount int       `msg:"7,omitempty"`
	DateCreated         time.Time `msg:"8,omitempty"`
	DateUpdated         time.Time `msg:"9,omitempty"`
	Online              *bool     `msg:"10,omitempty"`
}

// userChannelRecord is the link between a User and a Channel, kept under
// user_channels/<US sid>/<CH sid>.
type userChannelRecord struct {
	ChannelSid string `msg:"1,omitempty"`
	MemberSid  string `msg:"2,omitempty"`
	InviteSid  string `msg:"3,omitempty"`
}

type channelRecord struct {
	Sid                 string    `msg:"1,omitempty"`
	ServiceSid          string    `msg:"2,omitempty"`
	FriendlyName        *string   `msg:"3,omitempty"`
	UniqueName          *string   `msg:"4,omitempty"`
	Attributes          string    `msg:"5,omitempty"`
	Type                string    `msg:"6,omitempty"`
	CreatedBy           string    `msg:"7,omitempty"`
	DateCreated         time.Time `msg:"8,omitempty"`
	DateUpdated         time.Time `msg:"9,omitempty"`
	MessagingServiceSid *string   `msg:"10,omitempty"`
	MembersCount        int       `msg:"11,omitempty"`
	MessagesCount       int       `msg:"12,omitempty"`
	LastMessageSid      string    `msg:"13,omitempty"`
}

type memberRecord struct {
	Sid                      string     `msg:"1,omitempty"`
	ServiceSid               string     `msg:"2,omitempty"`
	ChannelSid               string     `msg:"3,omitempty"`
	UserSid                  string     `msg:"4,omitempty"`
	Identity                 string     `msg:"5,omitempty"`
	RoleSid                  string     `msg:"6,omitempty"`
	Attributes               string     `msg:"7,omitempty"`
	LastConsumedMessageIndex *int       `msg:"8,omitempty"`
	LastConsumptionTimestamp *time.Time `msg:"9,omitempty"`
	NotificationLevel        string     `msg:"10,omitempty"`
	DateCreated              time.Time  `msg:"11,omitempty"`
	DateUpdated              time.Time  `msg:"12,omitempty"`
}

// messageRecord is a Message without what its place in the file says: its
// Service and Channel (the buckets it is in) and its index (its key).
// Messages are most of a file, so they carry nothing twice.
type messageRecord struct {
	Sid           string              `msg:"1,omitempty"`
	From          string              `msg:"2,omitempty"`
	Body          string              `msg:"3,omitempty"`
	Attributes    string              `msg:"4,omitempty"`
	LastUpdatedBy *string             `msg:"5,omitempty"`
	WasEdited     bool                `msg:"6,omitempty"`
	Media         *messageMediaRecord `msg:"7,omitempty"`
	DateCreated   time.Time           `msg:"8,omitempty"`
	DateUpdated   time.Time           `msg:"9,omitempty"`
}

type messageMediaRecord struct {
	Sid         string  `msg:"1,omitempty"`
	Size        int64   `msg:"2,omitempty"`
	ContentType string  `msg:"3,omitempty"`
	Filename    *string `msg:"4,omitempty"`
}

type inviteRecord struct {
	Sid         string    `msg:"1,omitempty"`
	ServiceSid  string    `msg:"2,omitempty"`
	ChannelSid  string    `msg:"3,omitempty"`
	UserSid     string    `msg:"4,omitempty"`
	Identity    string    `msg:"5,omitempty"`
	RoleSid     string    `msg:"6,omitempty"`
	CreatedBy   *string   `msg:"7,omitempty"`
	DateCreated time.Time `msg:"8,omitempty"`
	DateUpdated time.Time `msg:"9,omitempty"`
}

type credentialRecord struct {
	Sid          string    `msg:"1,omitempty"`
	FriendlyName *string   `msg:"2,omitempty"`
	Type         string    `msg:"3,omitempty"`
	Sandbox      bool      `msg:"4,omitempty"`
	DateCreated  time.Time `msg:"5,omitempty"`
	DateUpdated  time.Time `msg:"6,omitempty"`
	Certificate  string    `msg:"7,omitempty"`
	PrivateKey   string    `msg:"8,omitempty"`
	ApiKey       string    `msg:"9,omitempty"`
	Secret       string    `msg:"10,omitempty"`
}

type apiKeyRecord struct {
	Sid          string    `msg:"1,omitempty"`
	FriendlyName *string   `msg:"2,omitempty"`
	SealedSecret []byte    `msg:"3,omitempty"`
	DateCreated  time.Time `msg:"4,omitempty"`
	DateUpdated  time.Time `msg:"5,omitempty"`
}

type bindingRecord struct {
	Sid           string    `msg:"1,omitempty"`
	ServiceSid    string    `msg:"2,omitempty"`
	UserSid       string    `msg:"3,omitempty"`
	Identity      string    `msg:"4,omitempty"`
	Endpoint      string    `msg:"5,omitempty"`
	BindingType   string    `msg:"6,omitempty"`
	CredentialSid string    `msg:"7,omitempty"`
	MessageTypes  []string  `msg:"8,allownil"`
	DateCreated   time.Time `msg:"9,omitempty"`
	DateUpdated   time.Time `msg:"10,omitempty"`
}

type channelWebhookRecord struct {
	Sid         string    `msg:"1,omitempty"`
	ServiceSid  string    `msg:"2,omitempty"`
	ChannelSid  string    `msg:"3,omitempty"`
	Type        string    `msg:"4,omitempty"`
	URL         *string   `msg:"5,omitempty"`
	Method      *string   `msg:"6,omitempty"`
	Filters     []string  `msg:"7,allownil"`
	Triggers    []string  `msg:"8,allownil"`
	FlowSid     *string   `msg:"9,omitempty"`
	RetryCount  *int      `msg:"10,omitempty"`
	DateCreated time.Time `msg:"11,omitempty"`
	DateUpdated time.Time `msg:"12,omitempty"`
}

type mediaRecord struct {
	Sid         string    `msg:"1,omitempty"`
	ServiceSid  string    `msg:"2,omitempty"`
	ChannelSid  string    `msg:"3,omitempty"`
	MessageSid  string    `msg:"4,omitempty"`
	Size        int64     `msg:"5,omitempty"`
	ContentType string    `msg:"6,omitempty"`
	Filename    *string   `msg:"7,omitempty"`
	Author      string    `msg:"8,omitempty"`
	DateCreated time.Time `msg:"9,omitempty"`
	DateUpdated time.Time `msg:"10,omitempty"`
}

// deliveryRecord is one webhook delivery of the outbox. Its ID is also its
// key.
type deliveryRecord struct {
	ID           uint64          `msg:"1,omitempty"`
	ServiceSid   string          `msg:"2,omitempty"`
	ChannelSid   string          `msg:"3,omitempty"`
	Event        string          `msg:"4,omitempty"`
	URL          string          `msg:"5,omitempty"`
	Method       string          `msg:"6,omitempty"`
	Params       []paramRecord   `msg:"7,allownil"` // sorted by Name
	WebhookSid   string          `msg:"8,omitempty"`
	WebhookType  string          `msg:"9,omitempty"`
	MaxRetries   int             `msg:"10,omitempty"`
	Status       string          `msg:"11,omitempty"`
	Attempts     int             `msg:"12,omitempty"`
	ResponseCode int             `msg:"13,omitempty"`
	Error        string          `msg:"14,omitempty"`
	Duration     int64           `msg:"15,omitempty"` // nanoseconds
	DateCreated  time.Time       `msg:"16,omitempty"`
	DateUpdated  time.Time       `msg:"17,omitempty"`
	NextAttempt  time.Time       `msg:"18,omitempty"`
	ErrorCode    int             `msg:"19,omitempty"`
	Log          []attemptRecord `msg:"20,omitempty"` // nil and empty alike: no attempt yet
}

// attemptRecord is one attempt of a delivery (model.DeliveryAttempt).
type attemptRecord struct {
	Start     time.Time `msg:"1,omitempty"`
	Duration  int64     `msg:"2,omitempty"` // nanoseconds
	Status    int       `msg:"3,omitempty"`
	Error     string    `msg:"4,omitempty"`
	Signature string    `msg:"5,omitempty"`
	Response  []byte    `msg:"6,allownil"`
}

// paramRecord is one name of a form and its values, in order.
type paramRecord struct {
	Name   string   `msg:"1"`
	Values []string `msg:"2,allownil"`
}

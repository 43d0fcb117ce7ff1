package model

import (
	"errors"
	"fmt"
)

// Error is a failure that a client sees as Twilio's JSON error body
// {code, message, more_info, status}. Code is a Twilio error code; the HTTP
// status comes from the code (see Status), so a code can never be sent with
// the wrong status.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("twilio error %d: %s", e.Code, e.Message) }

// Status is the HTTP status Twilio answers with for e's code.
func (e *Error) Status() int { return known(e.Code).status }

// MoreInfo is the documentation link Twilio puts in every error body.
func (e *Error) MoreInfo() string {
	return fmt.Sprintf("https://www.twilio.com/docs/errors/%d", e.Code)
}

// Code is a Twilio error code. Every code chatd sends is one of the
// constants below, each with its entry in the table codes; a test checks
// that no other value of type Code appears anywhere in chatd's code, and E
// and Errorf panic on a code missing from the table.
type Code int

// Platform codes.
const (
	CodeInvalidParameter     Code = 20001
	CodeAuthenticationFailed Code = 20003
	CodeMethodNotAllowed     Code = 20004
	CodeForbidden            Code = 20403
	CodeNotFound             Code = 20404
	CodeRangeNotSatisfiable  Code = 20416
	CodeInternalError        Code = 20500
	CodeNotImplemented       Code = 20501
	CodeServiceUnavailable   Code = 20503
)

// Access token codes.
const (
	CodeInvalidAccessToken     Code = 20101
	CodeInvalidTokenIssuer     Code = 20103
	CodeAccessTokenExpired     Code = 20104
	CodeAccessTokenNotYetValid Code = 20105
	CodeInvalidTokenGrants     Code = 20106
	CodeTokenLifetimeTooLong   Code = 20157
)

// Service codes.
const (
	CodeFriendlyNameTooLong         Code = 50003
	CodeUniqueNameTooLong           Code = 50004
	CodeInvalidConsumptionInterval  Code = 50052
	CodeInvalidTypingIndicator      Code = 50053
	CodeInvalidWebhookFormat        Code = 50054
	CodeInvalidWebhookMethod        Code = 50055
	CodeNotificationTemplateTooLong Code = 50058
	CodeNotificationSoundTooLong    Code = 50059
	CodeInvalidUserChannelsLimit    Code = 50060
	CodeInvalidChannelMembersLimit  Code = 50061
	CodeInvalidWebhookRetryCount    Code = 50065
	CodeInvalidPreWebhookURL        Code = 50077
	CodeInvalidPostWebhookURL       Code = 50078
	CodeServiceNotFound             Code = 50050
)

// Pre-event webhook codes. 50056 is what a first-person client gets when
// the app's server refuses its action; 50057 and 50076 are never sent to a
// client: they are recorded in the deliveries log for an action that went
// ahead because the app's server could not be reached or did not answer in
// time.
const (
	CodePreWebhookRejected Code = 50056
	CodeWebhookCallFailed  Code = 50057
	CodeWebhookTimedOut    Code = 50076
)

// Role codes.
const (
	CodeChannelRoleNotFound        Code = 50101
	CodeDeploymentRoleNotFound     Code = 50102
	CodePermissionNotFound         Code = 50104
	CodeInvalidRoleType            Code = 50105
	CodeChannelCreatorRoleNotFound Code = 50106
	CodeNotAuthorized              Code = 50107
)

// User codes.
const (
	CodeUserExists               Code = 50201
	CodeIdentityMatchesUserSid   Code = 50206
	CodeIdentityTooLong          Code = 50207
	CodeUserChannelLimitExceeded Code = 50208
	CodeInvalidBindingType       Code = 50209
	CodeInvalidNotificationLevel Code = 50210
	CodeUserAlreadyInvited       Code = 50212
)

// Channel codes.
const (
	CodeAttributesTooLong           Code = 50303
	CodeAttributesNotJSON           Code = 50304
	CodeUniqueNameMatchesChannelSid Code = 50306
	CodeChannelUniqueNameTaken      Code = 50307
	CodeInvalidDateCreated          Code = 50308
	CodeInvalidDateUpdated          Code = 50309
	CodeAuthorTooLong               Code = 50310
	CodeChannelUpdateParamsMissing  Code = 50347
	CodeChannelTypeOnlyPrivate      Code = 50393
)

// Channel webhook codes.
const (
	CodeTooManyChannelWebhooks        Code = 50321
	CodeTooManyChannelWebhookTriggers Code = 50322
	CodeInvalidChannelWebhookType     Code = 50324
	CodeInvalidChannelWebhookFilter   Code = 50325
	CodeInvalidChannelWebhookTrigger  Code = 50326
	CodeInvalidChannelWebhookFlowSid  Code = 50327
	CodeChannelWebhookTypeMissing     Code = 50328
	CodeChannelWebhookURLMissing      Code = 50329
	CodeChannelWebhookFilterMissing   Code = 50330
	CodeChannelWebhookTriggerMissing  Code = 50331
	CodeChannelWebhookURLTooLong      Code = 50332
)

// Member codes.
const (
	CodeNotMember                       Code = 50400
	CodeChannelMemberLimitExceeded      Code = 50403
	CodeMemberExists                    Code = 50404
	CodeInvalidLastConsumptionTimestamp Code = 50405
	CodeInvalidLastConsumedMessageIndex Code = 50406
)

// Message and media codes.
const (
	CodeMessageBodyTooLong        Code = 50504
	CodeLastUpdatedByTooLong      Code = 50505
	CodeMediaSidMissing           Code = 50506
	CodeMediaNotFound             Code = 50507
	CodeMediaAlreadySent          Code = 50508
	CodeMediaMessageBodyImmutable Code = 50509
	CodeMediaTooLarge             Code = 50512
)

// Sync codes: the Sync objects of first-person clients.
const (
	CodeSyncAccessForbidden  Code = 54007
	CodeSyncDocumentNotFound Code = 54100
	CodeSyncListNotFound     Code = 54150
	CodeSyncListItemNotFound Code = 54151
	CodeSyncMapNotFound      Code = 54200
	CodeSyncMapItemNotFound  Code = 54201
)

// code describes one Twilio error code: its HTTP status and its title, used
// as the message when no more specific one is given.
type code struct {
	status int
	title  string
}

// codes is the one table of every Twilio error code chatd sends. Titles follow
// Twilio's public error catalogue; statuses follow observed responses where
// known and the 400/403/404/409/429 convention otherwise. 20416, 20501 and
// 20503 are chatd's own, after Twilio's 20<status> platform codes (20403,
// 20404, 20429): the answer to a media download whose Range no byte of the
// file satisfies, to a route of chatd's own that its store cannot serve (a
// snapshot of a PostgreSQL store), and to a request while the store cannot
// be reached (its database failing over).
var codes = map[Code]code{
	CodeInvalidParameter:     {400, "Invalid parameter"},
	CodeAuthenticationFailed: {401, "Authenticate"},
	CodeMethodNotAllowed:     {405, "Method not allowed"},
	CodeForbidden:            {403, "Forbidden"},
	CodeNotFound:             {404, "The requested resource was not found"},
	CodeRangeNotSatisfiable:  {416, "Requested range not satisfiable"},
	CodeInternalError:        {500, "Internal server error"},
	CodeNotImplemented:       {501, "Not implemented"},
	CodeServiceUnavailable:   {503, "Service unavailable"},

	// Access tokens: every refusal is a 401, so that a client stops retrying.
	CodeInvalidAccessToken:     {401, "Invalid Access Token"},
	CodeInvalidTokenIssuer:     {401, "Invalid Access Token issuer/subject"},
	CodeAccessTokenExpired:     {401, "Access Token expired or expiration date invalid"},
	CodeAccessTokenNotYetValid: {401, "Access Token not yet valid"},
	CodeInvalidTokenGrants:     {401, "Invalid Access Token grants"},
	CodeTokenLifetimeTooLong:   {401, "Expiration Time Exceeds Maximum Time Allowed"},

	CodeFriendlyNameTooLong:         {400, "Friendly name too long"},
	CodeUniqueNameTooLong:           {400, "Unique Name too long"},
	CodeInvalidConsumptionInterval:  {400, "Invalid consumption interval format"},
	CodeInvalidWebhookFormat:        {400, "Invalid webhook format"},
	CodeInvalidTypingIndicator:      {400, "Invalid typing indicator format"},
	CodeInvalidWebhookMethod:        {400, "Invalid webhook method"},
	CodeNotificationTemplateTooLong: {400, "Notification template too long"},
	CodeNotificationSoundTooLong:    {400, "Notification sound name too long"},
	CodeInvalidUserChannelsLimit:    {400, "Invalid user channels limit format"},
	CodeInvalidChannelMembersLimit:  {400, "Invalid channel members limit format"},
	CodeInvalidWebhookRetryCount:    {400, "Invalid webhook retry count"},
	CodeInvalidPreWebhookURL:        {400, "Invalid pre-webhook url"},
	CodeInvalidPostWebhookURL:       {400, "Invalid post-webhook url"},
	CodeServiceNotFound:             {404, "Service not found"},

	// 403 like every refusal of a first-person action (50107). The
	// statuses of the two logged codes are those of a gateway that got no
	// good answer; no client sees them.
	CodePreWebhookRejected: {403, "Webhook cancelled processing of command"},
	CodeWebhookCallFailed:  {502, "Webhook call failed"},
	CodeWebhookTimedOut:    {504, "Webhook failed to execute successfully due to timeout"},

	CodeChannelRoleNotFound:        {400, "Channel role not found"},
	CodeDeploymentRoleNotFound:     {400, "Deployment role not found"},
	CodePermissionNotFound:         {400, "Permission not found"},
	CodeInvalidRoleType:            {400, "Invalid role type"},
	CodeChannelCreatorRoleNotFound: {400, "Channel creator role not found"},
	CodeNotAuthorized:              {403, "User not authorized for command"},

	CodeUserExists:               {409, "User already exists"},
	CodeIdentityMatchesUserSid:   {400, "Identity should not match user SID pattern"},
	CodeIdentityTooLong:          {400, "Identity too long"},
	CodeUserChannelLimitExceeded: {403, "User channel limit exceeded"},
	CodeInvalidBindingType:       {400, "Invalid binding type"},
	CodeInvalidNotificationLevel: {400, "Invalid notification level"},
	CodeUserAlreadyInvited:       {409, "User already invited"},

	CodeAttributesTooLong:           {400, "Attributes too long"},
	CodeAttributesNotJSON:           {400, "Attributes not valid JSON"},
	CodeUniqueNameMatchesChannelSid: {400, "Unique name should not match channel SID pattern"},
	CodeChannelUniqueNameTaken:      {409, "Channel with provided unique name already exists"},
	CodeInvalidDateCreated:          {400, "Invalid Date Created parameter"},
	CodeInvalidDateUpdated:          {400, "Invalid Date Updated parameter"},
	CodeAuthorTooLong:               {400, "Author parameter is too long"},
	CodeChannelUpdateParamsMissing:  {400, "Parameters are missing for channel update request"},
	CodeChannelTypeOnlyPrivate:      {400, "Type value should be 'private'."},

	CodeTooManyChannelWebhooks:        {403, "Too many channel webhooks"},
	CodeTooManyChannelWebhookTriggers: {400, "Too many channel webhook triggers"},
	CodeInvalidChannelWebhookType:     {400, "Invalid channel webhook type"},
	CodeInvalidChannelWebhookFilter:   {400, "Invalid channel webhook filter"},
	CodeInvalidChannelWebhookTrigger:  {400, "Invalid channel webhook trigger"},
	CodeInvalidChannelWebhookFlowSid:  {400, "Invalid channel webhook flow sid"},
	CodeChannelWebhookTypeMissing:     {400, "Channel webhook type not provided"},
	CodeChannelWebhookURLMissing:      {400, "Channel webhook url not provided"},
	CodeChannelWebhookFilterMissing:   {400, "Channel webhook filter not provided"},
	CodeChannelWebhookTriggerMissing:  {400, "Channel webhook trigger not provided"},
	CodeChannelWebhookURLTooLong:      {400, "Channel webhook url too long"},

	CodeNotMember:                       {403, "User not member of channel"},
	CodeChannelMemberLimitExceeded:      {403, "Channel member limit exceeded"},
	CodeMemberExists:                    {409, "Member already exists"},
	CodeInvalidLastConsumptionTimestamp: {400, "Invalid last consumption timestamp format"},
	CodeInvalidLastConsumedMessageIndex: {400, "Invalid last consumed message index format"},

	CodeMessageBodyTooLong:        {400, "Message body parameter is too long"},
	CodeLastUpdatedByTooLong:      {400, "Last Updated By parameter is too long"},
	CodeMediaSidMissing:           {400, "Media SID not provided"},
	CodeMediaNotFound:             {400, "Media not found"},
	CodeMediaAlreadySent:          {409, "Media already sent with another message"},
	CodeMediaMessageBodyImmutable: {400, "Media message body cannot be updated"},
	CodeMediaTooLarge:             {413, "Message media size is too large"},

	CodeSyncAccessForbidden:  {403, "Access forbidden for identity"},
	CodeSyncDocumentNotFound: {404, "Document not found"},
	CodeSyncListNotFound:     {404, "List not found"},
	CodeSyncListItemNotFound: {404, "List Item not found"},
	CodeSyncMapNotFound:      {404, "Map not found"},
	CodeSyncMapItemNotFound:  {404, "Map Item not found"},
}

// E returns the error for code with its catalogue title as the message.
func E(code Code) *Error {
	return &Error{Code: code, Message: known(code).title}
}

// Errorf returns the error for code with a specific message.
func Errorf(code Code, format string, args ...any) *Error {
	known(code)
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// known returns code's table entry. A code missing from the table is a bug
// in chatd, which the request's recovery turns into a logged 500; the test
// of the table keeps it from being written in the first place.
func known(c Code) code {
	entry, ok := codes[c]
	if !ok {
		panic(fmt.Sprintf("model: Twilio error code %d is not in the table", c))
	}
	return entry
}

// NotFound is Twilio's 20404 for the resource named by the request path. The
// message is left empty: the HTTP layer, which knows the path, fills in
// "The requested resource <path> was not found".
func NotFound() *Error { return &Error{Code: CodeNotFound} }

// MissingParam is Twilio's answer to a request without a required parameter.
func MissingParam(name string) *Error {
	return Errorf(CodeInvalidParameter, "Missing required parameter %s in the post body", name)
}

// InvalidParam is Twilio's generic answer to a parameter whose value it cannot
// accept (a bad enum, a malformed number or boolean, a malformed SID).
func InvalidParam(name, value string) *Error {
	return Errorf(CodeInvalidParameter, "Invalid value %q for parameter %s", value, name)
}

// IsCode reports whether err is a Twilio error with the given code.
func IsCode(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Storage sentinels. Store implementations return these (never driver errors)
// and the rules layer turns them into Twilio codes.
var (
	// ErrNotFound: no record under that key.
	ErrNotFound = errors.New("chatd: record not found")

	// ErrUnavailable: the store cannot be reached now (its database is
	// down, or failing over to a standby), and the request may succeed
	// when sent again. The write was not made, unless the database went
	// away while committing it, which the store cannot tell. It is the
	// Twilio error 20503 (503) as it is, so every front door answers it
	// without knowing of it; a store wraps its cause in it
	// (fmt.Errorf("%w: %w", ErrUnavailable, err)).
	ErrUnavailable = E(CodeServiceUnavailable)
)

// TakenError reports that an insert or update would break a uniqueness rule:
// Field names the unique key that clashed ("unique_name", "identity").
type TakenError struct{ Field string }

func (e *TakenError) Error() string { return "chatd: " + e.Field + " already taken" }

// IsTaken reports whether err is a TakenError for field.
func IsTaken(err error, field string) bool {
	var t *TakenError
	return errors.As(err, &t) && t.Field == field
}

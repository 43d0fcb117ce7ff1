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
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("twilio error %d: %s", e.Code, e.Message) }

// Status is the HTTP status Twilio answers with for e's code.
func (e *Error) Status() int {
	if c, ok := codes[e.Code]; ok {
		return c.status
	}
	return 400
}

// MoreInfo is the documentation link Twilio puts in every error body.
func (e *Error) MoreInfo() string {
	return fmt.Sprintf("https://www.twilio.com/docs/errors/%d", e.Code)
}

// code describes one Twilio error code: its HTTP status and its title, used
// as the message when no more specific one is given.
type code struct {
	status int
	title  string
}

// codes is the one table of every Twilio error code chatd sends. Titles follow
// Twilio's public error catalogue; statuses follow Twilio's observed responses
// where known and the 400/403/404/409/429 convention otherwise.
var codes = map[int]code{
	// Platform.
	20001: {400, "Invalid parameter"},
	20003: {401, "Authenticate"},
	20004: {405, "Method not allowed"},
	20403: {403, "Forbidden"},
	20404: {404, "The requested resource was not found"},
	20500: {500, "Internal server error"},

	// Services.
	50003: {400, "Friendly name too long"},
	50004: {400, "Unique Name too long"},
	50052: {400, "Invalid consumption interval format"},
	50054: {400, "Invalid webhook format"},
	50053: {400, "Invalid typing indicator format"},
	50055: {400, "Invalid webhook method"},
	50058: {400, "Notification template too long"},
	50059: {400, "Notification sound name too long"},
	50060: {400, "Invalid user channels limit format"},
	50061: {400, "Invalid channel members limit format"},
	50065: {400, "Invalid webhook retry count"},
	50077: {400, "Invalid pre-webhook url"},
	50078: {400, "Invalid post-webhook url"},

	// Roles.
	50101: {400, "Channel role not found"},
	50102: {400, "Deployment role not found"},
	50104: {400, "Permission not found"},
	50105: {400, "Invalid role type"},
	50106: {400, "Channel creator role not found"},

	// Users.
	50201: {409, "User already exists"},
	50206: {400, "Identity should not match user SID pattern"},
	50207: {400, "Identity too long"},
	50208: {403, "User channel limit exceeded"},
	50209: {400, "Invalid binding type"},
	50210: {400, "Invalid notification level"},
	50212: {409, "User already invited"},

	// Channels.
	50303: {400, "Attributes too long"},
	50304: {400, "Attributes not valid JSON"},
	50306: {400, "Unique name should not match channel SID pattern"},
	50307: {409, "Channel with provided unique name already exists"},
	50308: {400, "Invalid Date Created parameter"},
	50309: {400, "Invalid Date Updated parameter"},
	50310: {400, "Author parameter is too long"},
	50347: {400, "Parameters are missing for channel update request"},
	50393: {400, "Type value should be 'private'."},

	// Channel webhooks.
	50321: {403, "Too many channel webhooks"},
	50322: {400, "Too many channel webhook triggers"},
	50324: {400, "Invalid channel webhook type"},
	50325: {400, "Invalid channel webhook filter"},
	50326: {400, "Invalid channel webhook trigger"},
	50327: {400, "Invalid channel webhook flow sid"},
	50328: {400, "Channel webhook type not provided"},
	50329: {400, "Channel webhook url not provided"},
	50330: {400, "Channel webhook filter not provided"},
	50331: {400, "Channel webhook trigger not provided"},
	50332: {400, "Channel webhook url too long"},

	// Members.
	50400: {403, "User not member of channel"},
	50403: {403, "Channel member limit exceeded"},
	50404: {409, "Member already exists"},
	50405: {400, "Invalid last consumption timestamp format"},
	50406: {400, "Invalid last consumed message index format"},

	// Messages.
	50504: {400, "Message body parameter is too long"},
	50505: {400, "Last Updated By parameter is too long"},
	50506: {400, "Media SID not provided"},
	50507: {400, "Media not found"},
	50508: {409, "Media already sent with another message"},
	50509: {400, "Media message body cannot be updated"},
	50512: {413, "Message media size is too large"},
}

// E returns the error for code with its catalogue title as the message.
func E(code int) *Error {
	return &Error{Code: code, Message: codes[code].title}
}

// Errorf returns the error for code with a specific message.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound is Twilio's 20404 for the resource named by the request path. The
// message is left empty: the HTTP layer, which knows the path, fills in
// "The requested resource <path> was not found".
func NotFound() *Error { return &Error{Code: 20404} }

// MissingParam is Twilio's answer to a request without a required parameter.
func MissingParam(name string) *Error {
	return Errorf(20001, "Missing required parameter %s in the post body", name)
}

// InvalidParam is Twilio's generic answer to a parameter whose value it cannot
// accept (a bad enum, a malformed number or boolean, a malformed SID).
func InvalidParam(name, value string) *Error {
	return Errorf(20001, "Invalid value %q for parameter %s", value, name)
}

// IsCode reports whether err is a Twilio error with the given code.
func IsCode(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Storage sentinels. Store implementations return these (never driver errors)
// and the rules layer turns them into Twilio codes.
var (
	// ErrNotFound: no record under that key.
	ErrNotFound = errors.New("chatd: record not found")
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

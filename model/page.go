package model

// Page is where a list read starts, as the client asked for it with Twilio's
// PageSize, Page and PageToken parameters.
type Page struct {
	Size   int
	Number int
	Token  string
}

// Cursor carries the opaque tokens of the pages next to the one returned;
// an empty token means there is no such page.
type Cursor struct {
	Next     string
	Previous string
}

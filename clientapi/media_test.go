package clientapi_test

import (
	"bytes"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/chatd/chatd/internal/testenv"
)

// mcs sends a request to the media service as the client SDKs' media
// client does: the access token in X-Twilio-Token (none when token is
// empty), headers in name, value pairs.
func (e *env) mcs(t *testing.T, method, target, token string, body []byte, header ...string) *testenv.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.Target(target), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Twilio-Token", token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.Send(t, req)
}

// mediaService is the media_service link of alice's Configuration.
func mediaService(t *testing.T, alice *testenv.FirstPerson) string {
	t.Helper()
	cfg := alice.Must(t, http.StatusOK, http.MethodGet, path("/Configuration"), nil)
	links, _ := cfg.Body["links"].(map[string]any)
	return strOf(links["media_service"])
}

// TestMediaWithToken uploads and fetches media as a first-person client:
// at the Configuration's media_service, with the access token instead of
// Basic credentials, authored by the token's identity; then sends it.
func TestMediaWithToken(t *testing.T) {
	e := newEnv(t)
	alice := e.as(t, "alice")
	mcs := mediaService(t, alice)

	up := e.mcs(t, http.MethodPost, mcs+"?Filename=cat.png", alice.Token, []byte("PNG bytes"), "Content-Type", "image/png")
	if up.Status != http.StatusCreated {
		t.Fatalf("upload with a token: %d %s", up.Status, up.Raw)
	}
	sid := up.Str("sid")
	links, _ := up.Body["links"].(map[string]any)
	if up.Str("author") != "alice" || up.Str("service_sid") != e.service || up.Str("filename") != "cat.png" || up.Str("content_type") != "image/png" ||
		up.Body["size"] != float64(9) || up.Str("category") != "media" || up.Body["channel_sid"] != nil || links["content"] == nil || links["content_direct_temporary"] == nil {
		t.Errorf("upload = %s", up.Raw)
	}

	t.Run("fetched with the token", func(t *testing.T) {
		got := e.mcs(t, http.MethodGet, mcs+"/"+sid, alice.Token, nil)
		if got.Status != http.StatusOK || got.Str("sid") != sid || got.Str("author") != "alice" {
			t.Errorf("fetch = %d %s", got.Status, got.Raw)
		}
		resp := e.raw(t, http.MethodGet, strOf(links["content"]), nil, "X-Twilio-Token", alice.Token)
		if body := readAll(t, resp); resp.StatusCode != http.StatusOK || body != "PNG bytes" {
			t.Errorf("content = %d %q", resp.StatusCode, body)
		}
	})
	t.Run("the temporary link needs no credentials", func(t *testing.T) {
		resp := e.raw(t, http.MethodGet, strOf(links["content_direct_temporary"]), nil)
		if body := readAll(t, resp); resp.StatusCode != http.StatusOK || body != "PNG bytes" || resp.Header.Get("Content-Type") != "image/png" {
			t.Errorf("content_direct_temporary = %d %q", resp.StatusCode, body)
		}
	})
	t.Run("REST sees alice's upload; a REST upload is system's", func(t *testing.T) {
		got := e.Get(t, "/v1/Services/"+e.service+"/Media/"+sid)
		if got["author"] != "alice" {
			t.Errorf("REST fetch = %v", got)
		}
		rest := e.mcs(t, http.MethodGet, mcs+"/"+e.upload(t, "x", "text/plain", "x.txt"), alice.Token, nil)
		if rest.Str("author") != "system" {
			t.Errorf("REST upload = %s", rest.Raw)
		}
	})
	t.Run("no filename, as twilio-chat 6 sends it", func(t *testing.T) {
		got := e.mcs(t, http.MethodPost, mcs, alice.Token, []byte("GIF"), "Content-Type", "image/gif")
		if got.Status != http.StatusCreated || got.Body["filename"] != nil || got.Str("author") != "alice" {
			t.Errorf("upload without Filename = %d %s", got.Status, got.Raw)
		}
	})
	t.Run("multipart, as a browser's FormData", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		part, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Disposition": {`form-data; name="media"; filename="dog.jpg"`}, "Content-Type": {"image/jpeg"},
		})
		if err != nil {
			t.Fatal(err)
		}
		part.Write([]byte("JPEG"))
		mw.Close()
		got := e.mcs(t, http.MethodPost, mcs, alice.Token, body.Bytes(), "Content-Type", mw.FormDataContentType())
		if got.Status != http.StatusCreated || got.Str("filename") != "dog.jpg" || got.Str("content_type") != "image/jpeg" || got.Body["size"] != float64(4) {
			t.Errorf("multipart upload = %d %s", got.Status, got.Raw)
		}
	})
	t.Run("refused tokens", func(t *testing.T) {
		other := e.Create(t, "/v2/Services", testenv.Form("FriendlyName", "other"))["sid"].(string)
		stranger := e.As(t, "alice", other)
		for _, target := range []string{mcs, mcs + "/" + sid, mcs + "/" + sid + "/Content"} {
			method := http.MethodGet
			if target == mcs {
				method = http.MethodPost
			}
			wantError(t, e.mcs(t, method, target, stranger.Token, []byte("x")), http.StatusForbidden, 20403)
			wantError(t, e.mcs(t, method, target, "not-a-token", []byte("x")), http.StatusUnauthorized, 20101)
			wantError(t, e.mcs(t, method, target, "", []byte("x")), http.StatusUnauthorized, 20003)
		}
		// With Basic credentials too, the request is judged by those.
		basic := func(user, pass string) string {
			return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
		}
		if r := e.mcs(t, http.MethodGet, mcs+"/"+sid, stranger.Token, nil, "Authorization", basic(e.AccountSid, e.AuthToken)); r.Status != http.StatusOK {
			t.Errorf("fetch with the Account's credentials and another Service's token: %d %s", r.Status, r.Raw)
		}
		wantError(t, e.mcs(t, http.MethodGet, mcs+"/"+sid, alice.Token, nil, "Authorization", basic(e.AccountSid, "wrong")), http.StatusUnauthorized, 20003)
		// The REST API takes no access token.
		wantError(t, e.mcs(t, http.MethodGet, "/v2/Services/"+e.service, alice.Token, nil), http.StatusUnauthorized, 20003)
		wantError(t, e.mcs(t, http.MethodGet, "/v1/Services/"+e.service+"/Channels", alice.Token, nil), http.StatusUnauthorized, 20003)
	})

	t.Run("sent through the Client API", func(t *testing.T) {
		ch := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "photos"}).Str("sid")
		sent := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/photos/Messages"), map[string]any{"media_sid": sid})
		if md, _ := sent.Body["media"].(map[string]any); sent.Str("type") != "media" || md["sid"] != sid || md["filename"] != "cat.png" {
			t.Errorf("sent = %s", sent.Raw)
		}
		got := e.mcs(t, http.MethodGet, mcs+"/"+sid, alice.Token, nil)
		if got.Str("channel_sid") != ch || got.Str("message_sid") != sent.Str("sid") {
			t.Errorf("the media after the send = %s", got.Raw)
		}
	})
}

// TestMediaMessageEvents sends a media message through the Client API:
// onMediaMessageSend asks first, with the media's fields, and may refuse;
// onMediaMessageSent follows.
func TestMediaMessageEvents(t *testing.T) {
	e := newEnv(t)
	app := e.newAppServer(t)
	alice := e.as(t, "alice")
	ch := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).Str("sid")
	for range 2 { // onChannelAdded, onMemberAdded
		app.nextPost(t)
	}
	up := e.mcs(t, http.MethodPost, mediaService(t, alice)+"?Filename=cat.png", alice.Token, []byte("PNG bytes"), "Content-Type", "image/png")
	sid := up.Str("sid")

	app.answer(refuse("onMediaMessageSend"))
	wantError(t, alice.Do(t, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": sid, "attributes": `{"kind":"photo"}`}),
		http.StatusForbidden, 50056)
	wantParams(t, app.lastPre(t).form, map[string]string{
		"EventType": "onMediaMessageSend", "Source": "SDK", "ClientIdentity": "alice", "ChannelSid": ch, "From": "alice",
		"Attributes": `{"kind":"photo"}`, "MediaFilename": "cat.png", "MediaContentType": "image/png", "MediaSize": "9",
	}, "MessageSid", "MediaSid")
	if msgs, err := e.rest.ListMessage(e.service, ch, &chatv2.ListMessageParams{}); err != nil || len(msgs) != 0 {
		t.Errorf("REST messages after the refusal: %d, %v", len(msgs), err)
	}

	app.answer(rewrite("onMediaMessageSend", `{"attributes":{"kind":"cat"}}`))
	sent := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": sid, "attributes": `{"kind":"photo"}`})
	if sent.Str("attributes") != `{"kind":"cat"}` || sent.Str("type") != "media" {
		t.Errorf("sent = %s", sent.Raw)
	}
	post := app.nextPost(t)
	wantParams(t, post.form, map[string]string{
		"EventType": "onMediaMessageSent", "Source": "SDK", "ClientIdentity": "alice", "ChannelSid": ch, "MessageSid": sent.Str("sid"),
		"MediaSid": sid, "MediaFilename": "cat.png", "MediaContentType": "image/png", "MediaSize": "9", "Attributes": `{"kind":"cat"}`,
	})
}

func TestMediaMessages(t *testing.T) {
	e := newEnv(t)
	alice := e.as(t, "alice")
	ch := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations"), map[string]any{"unique_name": "general"}).Str("sid")
	media := e.upload(t, "PNG bytes", "image/png", "cat.png")
	sent := alice.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": media, "attributes": `{"kind":"photo"}`})
	md, _ := sent.Body["media"].(map[string]any)
	if sent.Str("type") != "media" || md["sid"] != media || md["filename"] != "cat.png" || md["content_type"] != "image/png" || md["size"] != float64(9) {
		t.Errorf("sent = %s", sent.Raw)
	}
	m, err := e.rest.FetchMessage(e.service, ch, sent.Str("sid"))
	if err != nil || *m.Type != "media" || *m.From != "alice" {
		t.Errorf("REST message = %+v, %v", m, err)
	}
	// The body of a media message cannot change; its attributes can.
	wantError(t, alice.Do(t, http.MethodPost, path("/Conversations/general/Messages/"+sent.Str("sid")), map[string]any{"body": "caption"}), http.StatusBadRequest, 50509)
	alice.Must(t, http.StatusOK, http.MethodPost, path("/Conversations/general/Messages/"+sent.Str("sid")), map[string]any{"attributes": `{"kind":"cat"}`})
	// A Media goes with one message only, and an unknown one is refused.
	wantError(t, alice.Do(t, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": media}), http.StatusConflict, 50508)
	wantError(t, alice.Do(t, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": "ME00000000000000000000000000000000"}), http.StatusBadRequest, 50507)

	// Without sendMediaMessage in the channel user role, bob sends text only.
	svc, err := e.rest.FetchService(e.service)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.rest.UpdateRole(e.service, *svc.DefaultChannelRoleSid, (&chatv2.UpdateRoleParams{}).SetPermission([]string{"sendMessage"})); err != nil {
		t.Fatal(err)
	}
	bob := e.as(t, "bob")
	bob.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Participants"), nil)
	wantError(t, bob.Do(t, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"media_sid": e.upload(t, "x", "text/plain", "x.txt")}), http.StatusForbidden, 50107)
	bob.Must(t, http.StatusCreated, http.MethodPost, path("/Conversations/general/Messages"), map[string]any{"body": "text is fine"})
}

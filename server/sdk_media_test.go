package server_test

// Media messages through the official twilio-go helper library. twilio-go
// has no MCS client (Twilio's media service is a separate host its REST
// helpers never call), so the file is uploaded over plain HTTP, as a server
// application does, and the Message is then sent, fetched and listed with
// the SDK.

import (
	"testing"

	chatv2 "github.com/twilio/twilio-go/rest/chat/v2"
)

func TestSDKMediaMessages(t *testing.T) {
	h, api := newSDKHarness(t)
	service := sdkVal(sdkService(t, api).Sid)
	channel := sdkVal(sdkChannel(t, api, service, "photos").Sid)
	content := mediaBytes(mediaChunk+100, 9)
	me := mediaUpload(t, h, service, "?Filename=sunset.jpg", content, "Content-Type", "image/jpeg")
	mediaSid := str(me["sid"])

	sdkMessage(t, api, service, channel, "a text message first")
	sent := sdkCall(api.CreateMessage(service, channel, (&chatv2.CreateMessageParams{}).
		SetMediaSid(mediaSid).SetFrom("alice"))).must(t)
	wantMedia := map[string]any{
		"sid": mediaSid, "size": float64(len(content)), "content_type": "image/jpeg", "filename": "sunset.jpg",
	}
	check := func(t *testing.T, m *chatv2.ChatV2Message) {
		t.Helper()
		sdkWantEqual(t, "type", sdkVal(m.Type), "media")
		sdkWantEqual(t, "body", sdkVal(m.Body), "")
		sdkWantEqual(t, "from", sdkVal(m.From), "alice")
		sdkWantEqual(t, "media", sdkVal(m.Media), any(wantMedia))
	}

	t.Run("create with MediaSid is a media message", func(t *testing.T) {
		check(t, sent)
		sdkWantEqual(t, "index", sent.Index, 1)
	})
	t.Run("fetch returns it", func(t *testing.T) {
		check(t, sdkCall(api.FetchMessage(service, channel, sdkVal(sent.Sid))).must(t))
	})
	t.Run("list shows the text and the media message", func(t *testing.T) {
		msgs := sdkCall(api.ListMessage(service, "photos", nil)).must(t)
		if len(msgs) != 2 {
			t.Fatalf("listed %d messages, want 2", len(msgs))
		}
		sdkWantEqual(t, "first type", sdkVal(msgs[0].Type), "text")
		sdkWantEqual(t, "first media", msgs[0].Media, (*any)(nil))
		check(t, &msgs[1])
	})
	t.Run("the Media record names the message", func(t *testing.T) {
		got := mediaGet(t, h, str(me["url"])).response(t).Body
		sdkWantEqual(t, "message_sid", got["message_sid"], any(sdkVal(sent.Sid)))
		sdkWantEqual(t, "channel_sid", got["channel_sid"], any(channel))
	})
	t.Run("errors reach the SDK with Twilio's codes", func(t *testing.T) {
		_, err := api.CreateMessage(service, channel, (&chatv2.CreateMessageParams{}).SetMediaSid(mediaSid))
		wantSDKError(t, err, 409, 50508)
		_, err = api.CreateMessage(service, channel, (&chatv2.CreateMessageParams{}).SetMediaSid("ME00000000000000000000000000000000"))
		wantSDKError(t, err, 400, 50507)
		_, err = api.UpdateMessage(service, channel, sdkVal(sent.Sid), (&chatv2.UpdateMessageParams{}).SetBody("caption"))
		wantSDKError(t, err, 400, 50509)
	})
	t.Run("delete takes the media with it", func(t *testing.T) {
		sdkOK(t, api.DeleteMessage(service, channel, sdkVal(sent.Sid), nil))
		mediaGone(t, h, me)
	})
}

package twilsock

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/chatd/chatd/model"
)

// Continuation tokens. The SDK keeps the token of its last init reply (in
// sessionStorage in browsers) and sends it back in the init of its next
// connection. chatd keeps no session state on the server (what a
// reconnecting client missed comes back by Sync replay), so a token is
// only a signed random nonce: <nonce>.<HMAC of Service, identity and
// nonce>, base64url. Every init gets a fresh one; one sent back that chatd
// signed for the same identity and Service is reported as continued
// (reissued false), any other as reissued.

// continuation returns a fresh continuation token for p and the status of
// the one the client sent (nil when it sent none).
func (s *Server) continuation(p *model.Principal, presented string) (string, *ContinuationTokenStatus) {
	var nonce [16]byte
	rand.Read(nonce[:])
	token := s.signContinuation(p, base64.RawURLEncoding.EncodeToString(nonce[:]))
	if presented == "" {
		return token, nil
	}
	nonce64, _, _ := strings.Cut(presented, ".")
	if hmac.Equal([]byte(presented), []byte(s.signContinuation(p, nonce64))) {
		return token, &ContinuationTokenStatus{Reissued: false}
	}
	return token, &ContinuationTokenStatus{Reissued: true, ReissueMessage: "continuation token not recognised"}
}

func (s *Server) signContinuation(p *model.Principal, nonce64 string) string {
	mac := hmac.New(sha256.New, s.opts.ContinuationKey)
	for _, part := range []string{p.ServiceSid, p.Identity, nonce64} {
		mac.Write([]byte(part))
		mac.Write([]byte{0})
	}
	return nonce64 + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

package booking

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The webhook of the Lotse booking protocol (docs/booking.md): a booking
// system tells the hub that an office's bookings changed. It lives here,
// not in the rest adapter, because the hub's HTTP side verifies it too.

// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256>"
// over "<unix seconds>.<body>" with the shared webhook secret.
const SignatureHeader = "X-Lotse-Signature"

// MaxWebhookAge is how far a webhook's timestamp may be from the hub's
// clock: an older (replayed) or a far future one is rejected.
const MaxWebhookAge = 5 * time.Minute

// SignWebhook returns the SignatureHeader value for body sent at t.
func SignWebhook(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(webhookMAC(secret, ts, body))
}

// Errors of VerifyWebhook. They never contain the body.
var (
	ErrNoSignature  = errors.New("webhook: missing or malformed signature")
	ErrBadSignature = errors.New("webhook: signature does not match")
	ErrStale        = errors.New("webhook: timestamp outside the allowed window")
)

// VerifyWebhook checks a SignatureHeader value against body at now. The
// comparison takes constant time.
func VerifyWebhook(secret []byte, header string, body []byte, now time.Time) error {
	if len(secret) == 0 {
		return ErrBadSignature
	}
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return ErrNoSignature
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return ErrNoSignature
	}
	if !hmac.Equal(got, webhookMAC(secret, ts, body)) {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > MaxWebhookAge || d < -MaxWebhookAge {
		return ErrStale
	}
	return nil
}

func webhookMAC(secret []byte, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}

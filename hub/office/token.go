package office

import (
	"crypto/rand"
	"encoding/base64"
)

// statusTokenBytes is the size of a ticket's status token: 128 bits, as
// issue 14 asks, which no one can guess or walk through in a day.
const statusTokenBytes = 16

// newStatusToken returns a fresh status token: 22 characters of base64url,
// fit for a URL path and a QR code. crypto/rand does not fail on the
// systems Go supports; if it ever did, it would stop the program rather
// than hand out a guessable token.
func newStatusToken() string {
	b := make([]byte, statusTokenBytes)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

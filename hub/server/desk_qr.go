package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"

	"lotse/hub/queue"
)

// The information desk's ticket shows the QR code of the ticket's status
// link (issue 14), on screen and on the printed ticket. The hub draws it
// as SVG, so the desk needs no script library and the print stays sharp.
// It draws only status links (…/t/{token}), so that the endpoint is no
// general QR generator for anyone holding a desk login.

// maxStatusURL bounds the link the desk may ask to draw: a configured
// public URL plus "/t/" and the token fits many times over.
const maxStatusURL = 512

// qrQuiet is the quiet zone around the code, in modules, as the QR
// standard asks.
const qrQuiet = 4

// statusQR serves GET /api/v1/offices/{office}/status-qr.svg?url=… to
// desk clerks: the QR code of a ticket's status link as SVG.
func (s *Server) statusQR(w http.ResponseWriter, r *http.Request, _ *officeHandle, _ principal) {
	link := r.URL.Query().Get("url")
	if err := checkStatusURL(link); err != nil {
		s.writeError(w, r, err)
		return
	}
	svg, err := qrSVG(link)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The link holds the ticket's token: no cache keeps it.
	noStore(w)
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(svg)))
	_, _ = w.Write(svg)
}

// checkStatusURL accepts only a ticket's status link: http or https, a
// host, and a path ending in /t/ and a token's 22 base64url characters,
// with nothing after it. Anything else is a bad request (400): the
// desk only ever sends the link the hub gave it.
func checkStatusURL(link string) error {
	if link == "" || len(link) > maxStatusURL {
		return queue.Errorf(codeBadRequest, "url: a ticket's status link of at most %d characters is required", maxStatusURL)
	}
	for i := 0; i < len(link); i++ {
		// Printable ASCII only: a status link is, and the code's bytes
		// then read back as the same text in every scanner.
		if link[i] <= ' ' || link[i] >= 0x7f {
			return queue.Errorf(codeBadRequest, "url: not a ticket's status link")
		}
	}
	u, err := url.Parse(link)
	if err != nil {
		return queue.Errorf(codeBadRequest, "url: not a link: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return queue.Errorf(codeBadRequest, "url: not a ticket's status link")
	}
	i := strings.LastIndex(u.Path, "/t/")
	if i < 0 || !plausibleToken(u.Path[i+len("/t/"):]) {
		return queue.Errorf(codeBadRequest, "url: not a ticket's status link")
	}
	return nil
}

// qrSVG draws the QR code of text (error correction M, as the printed
// ticket's) as one path of dark modules on a white square, each module a
// unit of the view box, runs of a row merged into one rectangle.
func qrSVG(text string) ([]byte, error) {
	code, err := encoder.Encoder_encode(text, decoder.ErrorCorrectionLevel_M, nil)
	if err != nil {
		return nil, fmt.Errorf("encode the QR code of %d bytes: %w", len(text), err)
	}
	m := code.GetMatrix()
	w, h := m.GetWidth(), m.GetHeight()
	side := w + 2*qrQuiet
	var b strings.Builder
	// An intrinsic size of 4 pixels a module: the page scales it as it
	// likes, and a browser that opens it alone shows a scannable code.
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, 4*side, 4*side, side, side)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, side, side)
	for y := 0; y < h; y++ {
		for x := 0; x < w; {
			if m.Get(x, y) != 1 {
				x++
				continue
			}
			run := 1
			for x+run < w && m.Get(x+run, y) == 1 {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+qrQuiet, y+qrQuiet, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return []byte(b.String()), nil
}

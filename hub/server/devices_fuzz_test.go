package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"lotse/hub/api"
	"lotse/hub/queue"
)

// FuzzDecodeStatus: any body a device sends either is refused with an
// API error or reads as a report that survives a round trip through the
// client's encoding unchanged.
func FuzzDecodeStatus(f *testing.F) {
	for _, s := range []string{
		`{"version":"1.4.2","uptimeSeconds":3600,"kind":"kiosk","printer":"paper_out","scanner":true,"lastScan":"2026-03-18T09:58:00+01:00","stream":true}`,
		`{"version":"dev","uptimeSeconds":5,"printer":"ok","scanner":"disconnected","lastScan":"","stream":"connected"}`,
		`{"version":"1","uptimeSeconds":1,"scanner":null,"lastScan":null}`,
		`{"version":"1"} {}`, `[]`, ``, `{"scanner":"connected\u0000"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, statusPath, strings.NewReader(body))
		st, err := decodeStatus(httptest.NewRecorder(), r)
		if err != nil {
			if code := string(queue.ErrorCode(err)); code != api.CodeInvalid && code != api.CodeTooLarge {
				t.Fatalf("%q: error code %q", body, code)
			}
			return
		}
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatalf("%q: marshal %+v: %v", body, st, err)
		}
		again, err := decodeStatus(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, statusPath, strings.NewReader(string(b))))
		if err != nil {
			t.Fatalf("%q: the client's encoding %s is refused: %v", body, b, err)
		}
		if !again.LastScan.Equal(st.LastScan.Time) {
			t.Fatalf("%q: last scan %v became %v", body, st.LastScan, again.LastScan)
		}
		again.LastScan = st.LastScan
		if !reflect.DeepEqual(again, st) {
			t.Fatalf("%q: %+v became %+v", body, st, again)
		}
	})
}

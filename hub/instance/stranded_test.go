package instance_test

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"lotse/hub/api"
)

// TestLogoutFreesTicketsTransferredToTheCounter: a clerk who logs out
// pauses the counter, so a ticket transferred to it is called at the other
// counters of its service, with a note, instead of waiting for nobody.
func TestLogoutFreesTicketsTransferredToTheCounter(t *testing.T) {
	h := startHub(t, "", nil)
	c := ctx(t)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	send := func(method, path, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, h.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := send(http.MethodPost, "/api/v1/session", `{"user":"demo","password":"demo","office":"`+mitte+`","counter":"schalter-6"}`); r.StatusCode != 200 {
		t.Fatalf("login: %d", r.StatusCode)
	}
	tk, err := h.device.WalkIn(c, mitte, api.WalkInRequest{Service: "kfz-ummeldung"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionNext, api.ActionRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionTransfer, api.ActionRequest{Counter: "schalter-6"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionNext, api.ActionRequest{}); code(err) != api.CodeNotFound {
		t.Fatalf("next at schalter-7 while schalter-6 is open: %v", err)
	}
	if r := send(http.MethodDelete, "/api/v1/session?pause=1", ""); r.StatusCode != 204 {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	res, err := h.clerk.Act(c, mitte, "schalter-7", api.ActionNext, api.ActionRequest{})
	if err != nil || res.Ticket == nil || res.Ticket.ID != tk.ID || res.Ticket.Note != "target_closed" {
		t.Fatalf("next at schalter-7 after the logout at schalter-6: %+v, %v", res.Ticket, err)
	}
}

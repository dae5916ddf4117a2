package server

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"lotse/hub/api"
)

// The citizen's status page (issue 14): made for small, old phones. The
// server renders the whole page, complete without script; a small script
// then keeps it live from the same texts. The sentences are chosen in one
// place: ticketStateKeys below, exported into the page as JSON, names the
// text of each state, and the script uses the same table.

// ticketLangs are the page's languages, German first: the default.
var ticketLangs = []string{"de", ticketEasyGerman, "en", "tr", "uk", "ru", "ar", "fa"}

// ticketEasyGerman is Easy German (Leichte Sprache, BITV 2.0), the code the
// kiosk uses too. BCP 47 has no tag for it (de-LS means German in Lesotho),
// so no browser asks for it and a German phone must not get it unasked:
// only ?lang= and the page's link choose it.
const ticketEasyGerman = "de-LS"

// ticketNegotiated are the languages a phone's Accept-Language may pick.
var ticketNegotiated = slices.DeleteFunc(slices.Clone(ticketLangs), func(l string) bool { return l == ticketEasyGerman })

// ticketRTL are the languages written right to left.
var ticketRTL = map[string]bool{"ar": true, "fa": true}

// ticketStateKeys names the text of each state. A waiting ticket with at
// most api.NextWithin ahead says ticketNextKey instead; the script keeps
// that one rule next to its copy of this table.
var ticketStateKeys = map[string]string{
	api.StatusWaiting:   "stateWaiting",
	api.StatusCalled:    "stateCalled",
	api.StatusServing:   "stateServing",
	api.StatusDone:      "stateDone",
	api.StatusParked:    "stateParked",
	api.StatusMissed:    "stateMissed",
	api.StatusWithdrawn: "stateWithdrawn",
}

const ticketNextKey = "stateNext"

// ticketLive are the states that can still change: only these pages
// follow the ticket (and refresh without script).
var ticketLive = []string{api.StatusWaiting, api.StatusCalled, api.StatusServing, api.StatusParked, api.StatusMissed}

var (
	ticketMatcher = language.NewMatcher(ticketTags())
	ticketTexts   = loadTicketTexts()
	ticketTmpl    = template.Must(template.New("ticket.html").Funcs(template.FuncMap{
		"join": func(s []string) string { return strings.Join(s, ", ") },
	}).ParseFS(web, "web/ticket/ticket.html"))
	ticketAssets = loadTicketAssets()
)

func ticketTags() []language.Tag {
	tags := make([]language.Tag, len(ticketNegotiated))
	for i, l := range ticketNegotiated {
		tags[i] = language.MustParse(l)
	}
	return tags
}

func loadTicketTexts() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range ticketLangs {
		b, err := web.ReadFile("web/ticket/i18n/" + l + ".json")
		if err != nil {
			panic(err) // embedded; a missing file is a build error
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("web/ticket/i18n/%s.json: %v", l, err))
		}
		out[l] = m
	}
	return out
}

// ticketAsset is an embedded file of the page with its version: the page
// names it with ?v=version, so phones may keep it for a year and still
// fetch a new one after an update.
type ticketAsset struct {
	body        []byte
	contentType string
	version     string
}

func loadTicketAssets() map[string]ticketAsset {
	out := map[string]ticketAsset{}
	for name, ct := range map[string]string{
		"ticket.js":  "text/javascript; charset=utf-8",
		"ticket.css": "text/css; charset=utf-8",
		"sw.js":      "text/javascript; charset=utf-8",
	} {
		b, err := web.ReadFile("web/ticket/" + name)
		if err != nil {
			panic(err) // embedded; a missing file is a build error
		}
		sum := sha256.Sum256(b)
		out[name] = ticketAsset{body: b, contentType: ct, version: hex.EncodeToString(sum[:6])}
	}
	return out
}

// ticketLang picks the page's language for r: ?lang= (the language links),
// then the phone's Accept-Language, else German.
func ticketLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); ticketTexts[l] != nil {
		return l
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return ticketLangs[0]
	}
	_, i, conf := ticketMatcher.Match(tags...)
	if conf == language.No {
		return ticketLangs[0]
	}
	return ticketNegotiated[i]
}

// ticketPluralKey is the key of the text for n minutes in lang: the
// CLDR plural form, as the script's Intl.PluralRules picks it.
func ticketPluralKey(lang string, n int) string {
	form := plural.Cardinal.MatchPlural(language.MustParse(lang), n, 0, 0, 0, 0)
	name := map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two",
		plural.Few: "few", plural.Many: "many"}[form]
	if name == "" || ticketTexts[lang]["minutes_"+name] == "" {
		name = "other"
	}
	return "minutes_" + name
}

// ticketFill writes the text with its {name} placeholders filled in; the
// values are isolated in <bdi>, so a Latin counter name reads right in an
// Arabic sentence.
func ticketFill(text string, vars map[string]string) template.HTML {
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '{')
		j := strings.IndexByte(text[max(i, 0):], '}') + max(i, 0)
		if i < 0 || j < i {
			break
		}
		v, ok := vars[text[i+1:j]]
		if !ok {
			b.WriteString(template.HTMLEscapeString(text[:j+1]))
			text = text[j+1:]
			continue
		}
		b.WriteString(template.HTMLEscapeString(text[:i]))
		b.WriteString("<bdi>" + template.HTMLEscapeString(v) + "</bdi>")
		text = text[j+1:]
	}
	b.WriteString(template.HTMLEscapeString(text))
	return template.HTML(b.String())
}

type ticketLangLink struct {
	Code, Name string
	Current    bool
}

// ticketScriptData is what the script reads from the page.
type ticketScriptData struct {
	Lang   string            `json:"lang"`
	Base   string            `json:"base"`
	Texts  map[string]string `json:"texts"`
	States map[string]string `json:"states"`
	Next   string            `json:"next"`
	Live   []string          `json:"live"`
	Status api.TicketStatus  `json:"status"`
}

type ticketPageData struct {
	Lang, Dir, Token string
	T                map[string]string
	St               api.TicketStatus
	Invalid, Live    bool
	Confirm          bool
	Title            string
	Headline         string
	Call             template.HTML
	Wait             template.HTML
	ConfirmQ         template.HTML
	Langs            []ticketLangLink
	JS, CSS          string
	Data             ticketScriptData
}

func ticketWaitText(lang string, minutes int) template.HTML {
	t := ticketTexts[lang]
	if minutes < 1 {
		return ticketFill(t["minutesSoon"], nil)
	}
	return ticketFill(t[ticketPluralKey(lang, minutes)], map[string]string{"n": strconv.Itoa(minutes)})
}

func ticketHeadlineKey(st api.TicketStatus) string {
	if st.State == api.StatusWaiting && st.Next {
		return ticketNextKey
	}
	return ticketStateKeys[st.State]
}

// renderTicketPage writes the status page of token with status st and the
// HTTP status code. A status without a ticket (unknown, expired, or any
// state the page does not know) gets the friendly "not valid" page.
func renderTicketPage(w http.ResponseWriter, r *http.Request, lang, token string, st api.TicketStatus, code int) {
	t := ticketTexts[lang]
	if t == nil {
		lang, t = ticketLangs[0], ticketTexts[ticketLangs[0]]
	}
	d := ticketPageData{
		Lang: lang, Dir: "ltr", Token: token, T: t, St: st,
		Invalid: ticketStateKeys[st.State] == "",
		Title:   t["title"],
		JS:      "/t/assets/ticket.js?v=" + ticketAssets["ticket.js"].version,
		CSS:     "/t/assets/ticket.css?v=" + ticketAssets["ticket.css"].version,
	}
	if ticketRTL[lang] {
		d.Dir = "rtl"
	}
	for _, l := range ticketLangs {
		d.Langs = append(d.Langs, ticketLangLink{Code: l, Name: ticketTexts[l]["languageName"], Current: l == lang})
	}
	if d.Invalid {
		d.St = api.TicketStatus{State: st.State}
		d.Title = t["invalidTitle"]
	} else {
		for _, s := range ticketLive {
			d.Live = d.Live || s == st.State
		}
		d.Confirm = st.CanWithdraw && r.URL.Query().Get("confirm") == "withdraw"
		d.Headline = t[ticketHeadlineKey(st)]
		if st.State == api.StatusCalled {
			d.Call = ticketFill(t["goTo"], map[string]string{"counter": cmp.Or(st.CounterName, st.Counter)})
		}
		if st.WaitMinutes != nil {
			d.Wait = ticketWaitText(lang, *st.WaitMinutes)
		}
		d.ConfirmQ = ticketFill(t[confirmKey(st)], map[string]string{"number": st.Number})
		if st.Number != "" {
			d.Title = st.Number + " – " + t["title"]
		}
		d.Data = ticketScriptData{
			Lang: lang, Base: "/t/" + token, Texts: t, States: ticketStateKeys,
			Next: ticketNextKey, Live: ticketLive, Status: st,
		}
	}
	var buf bytes.Buffer
	if err := ticketTmpl.Execute(&buf, d); err != nil {
		// The template is embedded and its data plain values: an error
		// here is a programming error, answered without details.
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	h.Set("Vary", "Accept-Language")
	// The page is one ticket's live state, behind a secret link: no
	// shared cache may keep it and no back button may show an old state.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// ticketAssetRoutes registers the page's script, style and service worker
// (for notifications on Android). Each file has
// its own route: a pattern /t/assets/{file} would clash with the ticket's
// /t/{token}/status and /t/{token}/events.
func ticketAssetRoutes(m *http.ServeMux) {
	for name, a := range ticketAssets {
		m.HandleFunc("GET /t/assets/"+name, func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Type", a.contentType)
			h.Set("ETag", `"`+a.version+`"`)
			if r.URL.Query().Get("v") == a.version {
				h.Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				h.Set("Cache-Control", "no-cache")
			}
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
		})
	}
}

// confirmKey is the question before giving a ticket up: an appointment is
// cancelled with it, a walk-in's number just lapses.
func confirmKey(st api.TicketStatus) string {
	if st.Appointment {
		return "confirmQuestion"
	}
	return "confirmQuestionWalkIn"
}

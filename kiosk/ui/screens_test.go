package ui

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lotse/hub/api"
	"lotse/kiosk/internal/fakehub"
)

// screenSetups put the kiosk into each screen with typical content.
var screenSetups = []struct {
	name  string
	setup func(k *Kiosk)
}{
	{"idle", func(k *Kiosk) { k.show(ScreenIdle) }},
	{"out-of-order", func(k *Kiosk) { k.show(ScreenOutOfOrder) }},
	{"busy", func(k *Kiosk) { k.show(ScreenBusy) }},
	{"birth-date", func(k *Kiosk) {
		k.show(ScreenBirthDate)
		k.visit.birth.digits, k.visit.birth.problem = "310220", string(birthNoSuchDate)
		k.render()
	}},
	{"birth-date-incomplete", func(k *Kiosk) {
		k.show(ScreenBirthDate)
		k.visit.birth.digits, k.visit.birth.problem = "15.3.50", string(birthIncomplete)
		k.render()
	}},
	{"choice", func(k *Kiosk) {
		k.visit.choices = []api.Choice{
			{Appointment: "a", Start: fakehub.Day.Add(9*time.Hour + 45*time.Minute), Services: []api.ServiceCount{{Service: "pass", Count: 1}}},
			{Appointment: "b", Start: fakehub.Day.Add(11 * time.Hour), Services: []api.ServiceCount{{Service: "anmeldung", Count: 2}, {Service: "fuehrung", Count: 1}}},
		}
		k.show(ScreenChoice)
	}},
	{"walk-in", func(k *Kiosk) { k.show(ScreenWalkIn) }},
	{"ticket", func(k *Kiosk) {
		start := fakehub.Day.Add(10*time.Hour + 30*time.Minute)
		wait := 12
		k.visit.ticket = api.Ticket{Number: "A042", AppointmentStart: &start, WaitMinutes: &wait,
			Services:  []api.ServiceCount{{Service: "anmeldung", Count: 2}, {Service: "pass", Count: 1}},
			StatusURL: fakehub.StatusURL("A042")}
		k.visit.printNote = "printer_paper_out"
		k.show(ScreenTicket)
	}},
	{"message", func(k *Kiosk) {
		k.showMessage(k.text.get("err_wrong_office", "office", "Bürgerbüro Nord"))
	}},
	{"staff", func(k *Kiosk) {
		k.openStaff()
		k.staff.pin.problem = "staff_wrong" // as after a wrong PIN
		k.render()
	}},
}

var screenSizes = []struct {
	name string
	size fyne.Size
}{
	{"1280x1024", landscape},
	{"1920x1080", wide},
	{"1080x1920", portrait},
}

// TestScreensFit checks that every screen fits every supported screen size
// in every offered language, so nothing ever needs scrolling.
func TestScreensFit(t *testing.T) {
	for _, sz := range screenSizes {
		t.Run(sz.name, func(t *testing.T) {
			h := newHarness(t, sz.size)
			for _, lang := range DefaultLanguages {
				for _, sc := range screenSetups {
					var min fyne.Size
					h.do(func() {
						h.kiosk.goIdle()
						h.kiosk.setLanguage(lang)
						sc.setup(h.kiosk)
						h.window.Resize(sz.size) // a theme change may have moved things
						min = h.window.Content().MinSize()
					})
					if min.Width > sz.size.Width || min.Height > sz.size.Height {
						t.Errorf("%s/%s needs %v, screen is %v", lang, sc.name, min, sz.size)
					}
				}
			}
		})
	}
}

// TestScreenshots writes a PNG of every screen in every size and language
// to $LOTSE_KIOSK_SHOTS, for people to look at.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("LOTSE_KIOSK_SHOTS")
	if dir == "" {
		t.Skip("set LOTSE_KIOSK_SHOTS=DIR to write screenshots")
	}
	langs := append(append([]string(nil), DefaultLanguages...), "ar")
	for _, sz := range screenSizes {
		h := newHarness(t, sz.size)
		for _, lang := range langs {
			for _, sc := range screenSetups {
				h.do(func() {
					h.kiosk.goIdle()
					h.kiosk.setLanguage(lang)
					sc.setup(h.kiosk)
					h.window.Resize(sz.size)
					img := h.window.Canvas().Capture()
					f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%s-%s.png", sz.name, lang, sc.name)))
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					if err := png.Encode(f, img); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
}

// TestGoldenScreens compares key screens with their rendering in
// testdata/*.xml (Fyne's markup of the object tree: texts, sizes,
// positions, colours). After an intended change, delete the file and copy
// the new one from testdata/failed/.
func TestGoldenScreens(t *testing.T) {
	h := newHarness(t, landscape)
	for _, name := range []string{"idle", "birth-date", "choice", "ticket", "message", "staff"} {
		for _, sc := range screenSetups {
			if sc.name != name {
				continue
			}
			h.do(func() {
				h.kiosk.goIdle()
				sc.setup(h.kiosk)
				test.AssertRendersToMarkup(t, "screen-"+name+".xml", h.window.Canvas())
			})
		}
	}
}

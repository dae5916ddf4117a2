package printer

import (
	"bytes"
	"flag"
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lotse/hardware/qr"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// sampleTicket is the ticket of the golden files and the docs.
func sampleTicket() Ticket {
	return Ticket{
		Office:      "Bürgerbüro Düsseldorf-Süd",
		Number:      "A042",
		Services:    []string{"2 × Anmeldung einer Wohnung", "Führungszeugnis (13 €)"},
		Appointment: time.Date(2025, 3, 14, 9, 30, 0, 0, berlin),
		QR:          "https://lotse.example/q/ddf-sued/A042",
		Footer:      "Bitte achten Sie auf den Aufruf.\nÖffnungszeiten: Mo–Fr 8–16 Uhr",
		Printed:     time.Date(2025, 3, 14, 9, 12, 0, 0, berlin),
	}
}

func TestPreviewTicketQRDecodes(t *testing.T) {
	tests := []struct {
		name   string
		layout Layout
	}{
		{"printer QR", Layout{Location: berlin}},
		{"raster QR", Layout{Location: berlin, QRRaster: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := PreviewTicket(sampleTicket(), tt.layout)
			if err != nil {
				t.Fatal(err)
			}
			got, err := qr.Decode(img)
			if err != nil {
				t.Fatalf("QR in preview: %v", err)
			}
			if want := sampleTicket().QR; got != want {
				t.Errorf("QR in preview = %q, want %q", got, want)
			}
		})
	}
}

// TestPreviewGolden keeps the rendered ticket as a PNG in testdata, both
// as a regression check and as the picture in docs/hardware.md.
func TestPreviewGolden(t *testing.T) {
	img, err := PreviewTicket(sampleTicket(), Layout{Location: berlin})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WritePNG(&buf, img); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "ticket.png")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	wantImg, _, err := image.Decode(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if !sameGray(img, wantImg) {
		t.Errorf("preview differs from %s; look at it and run go test -update if the change is intended", golden)
	}
}

func sameGray(a *image.Gray, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	g, ok := b.(*image.Gray)
	return ok && bytes.Equal(a.Pix, g.Pix)
}

package booking_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"lotse/hub/booking"
	"lotse/hub/office"
	"lotse/hub/queue"
	"lotse/hub/store"
)

// bigBackend answers every day with the same list, like a booking system
// whose day did not change.
type bigBackend struct {
	mu   sync.Mutex
	list []booking.Appointment
}

func (b *bigBackend) Appointments(ctx context.Context, office, day string) ([]booking.Appointment, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]booking.Appointment, len(b.list))
	for i, a := range b.list {
		a.Services = append([]queue.ServiceCount(nil), a.Services...)
		out[i] = a
	}
	return out, nil
}

func (b *bigBackend) Report(ctx context.Context, r booking.Report) error { return nil }

// bigList is a day of n bookings with distinct birth dates around now.
func bigList(o queue.Office, n int, now time.Time) []booking.Appointment {
	list := make([]booking.Appointment, n)
	birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range list {
		list[i] = booking.Appointment{
			ID:        fmt.Sprintf("B-%06d", i),
			Start:     now.Add(time.Duration(i%20-10) * time.Minute).Truncate(time.Minute),
			Duration:  15 * time.Minute,
			Services:  []queue.ServiceCount{{Service: o.Services[i%len(o.Services)].ID, Count: 1}},
			Secret:    fmt.Sprintf("s%015x", uint64(i)*0x9e3779b97f4a7c15>>4),
			BirthDate: birth.AddDate(0, 0, i).Format(queue.DayFormat),
			Name:      fmt.Sprintf("Person %d", i),
		}
	}
	return list
}

// bigHub is a store, an office loop and a Syncer on a real SQLite file.
type bigHub struct {
	db      *store.DB
	syncer  *booking.Syncer
	backend *bigBackend
	office  queue.Office
	stop    func()
}

func startBigHub(tb testing.TB, dir string, now func() time.Time) *bigHub {
	tb.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	offices := booking.WithFallbackService(testOfficesExt())
	o := offices[0]
	db, err := store.Open(ctx, filepath.Join(dir, "hub.db"), store.WithLogger(log))
	if err != nil {
		tb.Fatal(err)
	}
	key, err := db.Secret(ctx, "birth_key")
	if err != nil {
		tb.Fatal(err)
	}
	l := office.New(office.Config{Office: o, DB: db, Now: now, Log: log, TickEvery: time.Hour})
	if err := l.Load(ctx); err != nil {
		tb.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- l.Run(runCtx) }()
	<-l.Ready()
	b := &bigBackend{}
	s := &booking.Syncer{Backend: b, Offices: offices, Apply: office.Set{o.ID: l}, Now: now, Log: log,
		Hash: func(date string) string { return queue.BirthHash(key, date) }}
	return &bigHub{db: db, syncer: s, backend: b, office: o, stop: func() {
		cancel()
		if err := <-done; err != nil {
			tb.Error(err)
		}
		db.Close()
	}}
}

// noon is a fixed time in the middle of the office's day: the whole
// big day falls on one date.
func noon() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, berlinExt) }

var berlinExt = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

func testOfficesExt() []queue.Office {
	berlin := berlinExt
	services := []queue.Service{
		{ID: "anmeldung", Name: "Anmeldung", Prefix: "A", Duration: 15 * time.Minute},
		{ID: "pass", Name: "Reisepass", Prefix: "R", Duration: 20 * time.Minute},
	}
	counters := []queue.Counter{{ID: "1", Name: "Schalter 1", Services: []string{"anmeldung", "pass"}}}
	return []queue.Office{{ID: "mitte", Name: "Mitte", Services: services, Counters: counters, Policy: queue.DefaultPolicy(), Location: berlin}}
}

// BenchmarkSyncImport50000 is the morning import of a big day through the
// whole path: convert, the office loop and the store's commit (budget
// 1 s).
func BenchmarkSyncImport50000(b *testing.B) {
	now := noon()
	clock := func() time.Time { return now }
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		h := startBigHub(b, b.TempDir(), clock)
		h.backend.list = bigList(h.office, 50000, now)
		b.StartTimer()
		if err := h.syncer.SyncOffice(ctx, h.office.ID); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if st := h.syncer.Status(h.office.ID); st.Changed != 50000 {
			b.Fatalf("changed %d", st.Changed)
		}
		h.stop()
		b.StartTimer()
	}
}

// BenchmarkSyncUnchanged50000 is the periodic re-sync of a big day in
// which nothing changed, through the whole path (budget 100 ms).
func BenchmarkSyncUnchanged50000(b *testing.B) {
	now := noon()
	clock := func() time.Time { return now }
	ctx := context.Background()
	h := startBigHub(b, b.TempDir(), clock)
	defer h.stop()
	h.backend.list = bigList(h.office, 50000, now)
	if err := h.syncer.SyncOffice(ctx, h.office.ID); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := h.syncer.SyncOffice(ctx, h.office.ID); err != nil {
			b.Fatal(err)
		}
		if st := h.syncer.Status(h.office.ID); st.Changed != 0 {
			b.Fatalf("changed %d", st.Changed)
		}
	}
}

// TestUnchangedResyncWritesNothing: a re-sync of a day in which nothing
// changed commits no transaction, through the whole path down to the
// database file; one changed booking is written (so the probe sees
// writes).
func TestUnchangedResyncWritesNothing(t *testing.T) {
	ctx := context.Background()
	now := noon()
	dir := t.TempDir()
	h := startBigHub(t, dir, func() time.Time { return now })
	defer h.stop()
	list := bigList(h.office, 3*64+5, now)
	h.backend.list = list
	if err := h.syncer.SyncOffice(ctx, h.office.ID); err != nil {
		t.Fatal(err)
	}
	probe := newWriteProbe(t, filepath.Join(dir, "hub.db"))
	for i := range 2 {
		if err := h.syncer.SyncOffice(ctx, h.office.ID); err != nil {
			t.Fatal(err)
		}
		if st := h.syncer.Status(h.office.ID); st.Changed != 0 {
			t.Errorf("re-sync %d: %d changed", i, st.Changed)
		}
		if probe.wrote() {
			t.Fatalf("re-sync %d of an unchanged day wrote to the database", i)
		}
	}
	h.backend.mu.Lock()
	h.backend.list[7].Name = "Jürgen Müller"
	h.backend.mu.Unlock()
	if err := h.syncer.SyncOffice(ctx, h.office.ID); err != nil {
		t.Fatal(err)
	}
	if st, wrote := h.syncer.Status(h.office.ID), probe.wrote(); st.Changed != 1 || !wrote {
		t.Errorf("one changed booking: %d changed, written %v; want 1, true", st.Changed, wrote)
	}
}

// writeProbe tells whether another connection committed to a database
// since it last looked: SQLite's data_version on a connection of its own.
type writeProbe struct {
	t    *testing.T
	conn *sql.Conn
	last int64
}

func newWriteProbe(t *testing.T, path string) *writeProbe {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := &writeProbe{t: t, conn: conn}
	p.last = p.version()
	return p
}

func (p *writeProbe) version() int64 {
	var v int64
	if err := p.conn.QueryRowContext(context.Background(), "PRAGMA data_version").Scan(&v); err != nil {
		p.t.Fatal(err)
	}
	return v
}

func (p *writeProbe) wrote() bool {
	v := p.version()
	defer func() { p.last = v }()
	return v != p.last
}

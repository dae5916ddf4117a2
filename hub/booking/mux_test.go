package booking

import (
	"context"
	"errors"
	"testing"
)

// officeBackend answers with one appointment named after itself.
type officeBackend struct {
	name    string
	reports []Report
}

func (b *officeBackend) Appointments(ctx context.Context, office, day string) ([]Appointment, error) {
	return []Appointment{{ID: b.name + "-" + office}}, nil
}

func (b *officeBackend) Report(ctx context.Context, r Report) error {
	b.reports = append(b.reports, r)
	return nil
}

func TestMuxRoutesByOffice(t *testing.T) {
	rest, zms := &officeBackend{name: "rest"}, &officeBackend{name: "zms"}
	m := Mux{"mitte": rest, "nord": zms}
	tests := []struct {
		office string
		want   string
	}{{"mitte", "rest-mitte"}, {"nord", "zms-nord"}}
	for _, tt := range tests {
		list, err := m.Appointments(context.Background(), tt.office, "2026-03-10")
		if err != nil || len(list) != 1 || list[0].ID != tt.want {
			t.Errorf("Appointments(%s) = %+v, %v; want %s", tt.office, list, err, tt.want)
		}
	}
	if _, err := m.Appointments(context.Background(), "sued", "2026-03-10"); err == nil {
		t.Error("an office without backend answered")
	}
	if err := m.Report(context.Background(), Report{ID: 1, Office: "nord"}); err != nil || len(zms.reports) != 1 || len(rest.reports) != 0 {
		t.Errorf("report went astray: %v, rest %d, zms %d", err, len(rest.reports), len(zms.reports))
	}
	if err := m.Report(context.Background(), Report{ID: 2, Office: "sued"}); !errors.Is(err, ErrPermanent) {
		t.Errorf("report of an unknown office = %v, want a permanent rejection", err)
	}
}

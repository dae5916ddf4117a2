package queue_test

import (
	"slices"
	"testing"
	"time"

	"lotse/hub/queue"
)

// TestFindAppointmentsFolded: the desk finds a name however it is typed —
// transliterated, without accents, in another case or width, with the
// Turkish dotted and dotless i — and however the backend spelled it.
func TestFindAppointmentsFolded(t *testing.T) {
	named := func(id, name string) queue.Appointment {
		a := appt(id, "09:00", "anmeldung")
		a.Name = name
		return a
	}
	f := newFixture(t, nil,
		named("m1", "Jürgen Müller"),
		named("m2", "Hans Mueller"),
		named("m3", "Mu\u0308ller, Eva"),
		named("s1", "Anna Strauß"),
		named("t1", "İpek Yılmaz"),
		named("w1", "Ｋａｙａ Ｓｏｎ"),
		named("o1", "Otto Schmidt"),
	)
	tests := []struct {
		query string
		want  []string
	}{
		{"Müller", []string{"m1", "m2", "m3"}},
		{"Mueller", []string{"m1", "m2", "m3"}},
		{"Muller", []string{"m1", "m2", "m3"}},
		{"MÜLLER", []string{"m1", "m2", "m3"}},
		{"Mu\u0308ller", []string{"m1", "m2", "m3"}},
		{"Ｍüｌｌｅｒ", []string{"m1", "m2", "m3"}},
		{"jurgen", []string{"m1"}},
		{"Juergen", []string{"m1"}},
		{"Strauss", []string{"s1"}},
		{"STRAUSS", []string{"s1"}},
		{"ipek", []string{"t1"}},
		{"IPEK YILMAZ", []string{"t1"}},
		{"yilmaz", []string{"t1"}},
		{"kaya", []string{"w1"}},
		{"Schmitt", nil},
		{"\u202eSchmidt", []string{"o1"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got []string
			for _, a := range f.q.FindAppointments(tt.query, time.Time{}, time.Time{}) {
				got = append(got, a.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("FindAppointments(%q) = %v, want %v", tt.query, got, tt.want)
			}
		})
	}
}

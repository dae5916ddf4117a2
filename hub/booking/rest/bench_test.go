package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"lotse/hub/booking/rest"
)

// BenchmarkAppointments50000 is the fetch of a big day from a booking
// system without ETag: the decode of its answer is part of the morning
// import's budget (1 s with the sync, the queue and the store).
func BenchmarkAppointments50000(b *testing.B) {
	list := make([]rest.Appointment, 50000)
	start := time.Date(2026, 3, 10, 8, 0, 0, 0, berlin)
	for i := range list {
		list[i] = rest.Appointment{ID: fmt.Sprintf("B-%06d", i), Start: start.Add(time.Duration(i%600) * time.Minute), Minutes: 15,
			Services: []rest.Service{{ID: "120686", Count: 1 + i%2}}, Secret: fmt.Sprintf("s%015x", i*7919),
			BirthDate: "1980-01-02", Name: fmt.Sprintf("Person %d", i)}
	}
	body, err := json.Marshal(rest.Day{Office: "mitte", Day: day, Appointments: &list})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	c := &rest.Client{BaseURL: srv.URL}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		got, err := c.Appointments(context.Background(), "mitte", day)
		if err != nil || len(got) != len(list) {
			b.Fatalf("%d appointments, %v", len(got), err)
		}
	}
}

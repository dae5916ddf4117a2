package main

import (
	"reflect"
	"testing"
	"time"

	"lotse/hub/api"
)

func TestWantsOfACall(t *testing.T) {
	services := []string{"a", "a", "a", "b", "a"}
	before := []phoneStatus{
		{State: api.StatusWaiting, Ahead: 0},
		{State: api.StatusWaiting, Ahead: 1},
		{State: api.StatusWaiting, Ahead: 2},
		{State: api.StatusWaiting, Ahead: 0},
		{State: api.StatusCalled},
	}
	for _, tt := range []struct {
		name   string
		called int
		svc    string
		want   []want
	}{
		{"the front of line a", 0, "a", []want{{phone: 0, state: api.StatusCalled}, {phone: 1, below: 1}, {phone: 2, below: 2}}},
		{"the only one of line b", 3, "b", []want{{phone: 3, state: api.StatusCalled}}},
		{"a ticket no phone follows", -1, "a", []want{{phone: 0, below: 0}, {phone: 1, below: 1}, {phone: 2, below: 2}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := wantsOf(before, services, tt.called, tt.svc); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("wants %+v, want %+v", got, tt.want)
			}
		})
	}
}

// A status is matched to the call it reflects: one that arrives before
// the call's answer still counts, a late one of the call before does not,
// and one that does not show the call leaves the phone missing.
func TestPhoneBookMatchesUpdatesToTheirCall(t *testing.T) {
	type update struct {
		phone   int
		status  phoneStatus
		afterMs int
	}
	for _, tt := range []struct {
		name        string
		early, late []update // before and after the call's answer
		wantLat     []time.Duration
		wantMissing int
	}{
		{
			name:    "both phones after the answer",
			late:    []update{{0, phoneStatus{State: api.StatusCalled, Seq: 11}, 5}, {1, phoneStatus{State: api.StatusWaiting, Ahead: 0, Seq: 11}, 7}},
			wantLat: []time.Duration{5 * time.Millisecond, 7 * time.Millisecond},
		},
		{
			name:    "a phone faster than the clerk's answer",
			early:   []update{{1, phoneStatus{State: api.StatusWaiting, Ahead: 0, Seq: 11}, 2}},
			late:    []update{{0, phoneStatus{State: api.StatusCalled, Seq: 11}, 9}},
			wantLat: []time.Duration{2 * time.Millisecond, 9 * time.Millisecond},
		},
		{
			name: "a late status of the call before",
			early: []update{
				{0, phoneStatus{State: api.StatusCalled, Seq: 9}, 1},
				{1, phoneStatus{State: api.StatusWaiting, Ahead: 0, Seq: 9}, 1},
			},
			late:    []update{{1, phoneStatus{State: api.StatusWaiting, Ahead: 0, Seq: 12}, 4}},
			wantLat: []time.Duration{4 * time.Millisecond},
			// phone 0's status of seq 9 was read before this call
			wantMissing: 1,
		},
		{
			name:        "a status that does not show the call",
			late:        []update{{0, phoneStatus{State: api.StatusCalled, Seq: 11}, 3}, {1, phoneStatus{State: api.StatusWaiting, Ahead: 1, Seq: 11}, 3}},
			wantLat:     []time.Duration{3 * time.Millisecond},
			wantMissing: 1,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newPhoneBook([]string{"a", "a"})
			b.arrive(0, phoneStatus{State: api.StatusWaiting, Ahead: 0, Seq: 8}, time.Now())
			b.arrive(1, phoneStatus{State: api.StatusWaiting, Ahead: 1, Seq: 8}, time.Now())
			<-b.ready
			before := b.begin(7, 10)
			start := b.start
			for _, u := range tt.early {
				b.arrive(u.phone, u.status, start.Add(time.Duration(u.afterMs)*time.Millisecond))
			}
			done := b.expect(wantsOf(before, b.services, 0, "a"))
			for _, u := range tt.late {
				b.arrive(u.phone, u.status, start.Add(time.Duration(u.afterMs)*time.Millisecond))
			}
			if tt.wantMissing == 0 {
				select {
				case <-done:
				default:
					t.Error("the call is not done")
				}
			}
			if got := b.end(); got != tt.wantMissing {
				t.Errorf("%d phones missing, want %d", got, tt.wantMissing)
			}
			if !reflect.DeepEqual(b.lat, tt.wantLat) {
				t.Errorf("latencies %v, want %v", b.lat, tt.wantLat)
			}
			for _, c := range b.calls {
				if c != 7 {
					t.Errorf("a latency matched to call %d, want 7", c)
				}
			}
		})
	}
}

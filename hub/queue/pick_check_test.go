package queue

import (
	"flag"
	"fmt"
	"time"
)

// Every pick in this package's tests is checked against the ranking of
// every waiting ticket, the way pick worked before the waiting order;
// not in its benchmarks, which time pick alone.
func init() {
	checkPick = func(q *Queue, now time.Time, c Counter, picked *Ticket) {
		if benchmarking() {
			return
		}
		if want := pickScan(q, now, c); want != picked {
			panic(fmt.Sprintf("queue: next at %s picked %s, ranking every waiting ticket picks %s", c.ID, idOf(picked), idOf(want)))
		}
	}
}

// Every count of the tickets ahead is checked against the whole line, but
// in the benchmarks.
func init() {
	checkAhead = func(q *Queue, now time.Time, t *Ticket, ahead int) {
		if benchmarking() {
			return
		}
		k := q.rankingAt(now)
		r, want := k.of(t), 0
		for _, o := range q.waiting[t.Service()] {
			if k.of(o).less(r) {
				want++
			}
		}
		if ahead != want {
			panic(fmt.Sprintf("queue: %d ahead of %s, ranking its whole line counts %d", ahead, t.Number, want))
		}
	}
}

func benchmarking() bool {
	b := flag.Lookup("test.bench")
	return b != nil && b.Value.String() != ""
}

func idOf(t *Ticket) string {
	if t == nil {
		return "nobody"
	}
	return t.Number
}

func pickScan(q *Queue, now time.Time, c Counter) *Ticket {
	var best, normal *Ticket
	var bestRank, normalRank rank
	av := q.availability()
	k := q.rankingAt(now)
	for service, set := range q.waiting {
		s := av.of(c, service)
		for _, t := range set {
			r, ok := q.offerOf(s, &k, t)
			if !ok {
				continue
			}
			if best == nil || r.less(bestRank) {
				best, bestRank = t, r
			}
			if !t.Priority && (normal == nil || r.less(normalRank)) {
				normal, normalRank = t, r
			}
		}
	}
	if q.yields(now, c, best, normal) {
		return normal
	}
	return best
}

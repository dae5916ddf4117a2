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
		if b := flag.Lookup("test.bench"); b != nil && b.Value.String() != "" {
			return
		}
		if want := pickScan(q, now, c); want != picked {
			panic(fmt.Sprintf("queue: next at %s picked %s, ranking every waiting ticket picks %s", c.ID, idOf(picked), idOf(want)))
		}
	}
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

package statistics

import (
	"encoding/binary"
	"errors"
	"time"
)

// Bucket returns the histogram index of a duration: whole minutes, a
// negative duration in the first bucket, two hours and more in the last.
func Bucket(d time.Duration) int {
	if d < 0 {
		return 0
	}
	m := int(d / time.Minute)
	if m >= HistogramBuckets-1 {
		return HistogramBuckets - 1
	}
	return m
}

// Add counts one duration.
func (h *Histogram) Add(d time.Duration) { h[Bucket(d)]++ }

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, n := range o {
		h[i] += n
	}
}

// Total is the number of durations counted.
func (h *Histogram) Total() int {
	n := 0
	for _, c := range h {
		n += int(c)
	}
	return n
}

// Quantile returns the q-quantile (0 < q ≤ 1) in minutes, interpolated
// linearly inside its whole-minute bucket: the k-th of the n durations
// of bucket i is taken to lie at i + (k − ½)/n minutes. 0 for an empty
// histogram.
func (h *Histogram) Quantile(q float64) float64 {
	total := h.Total()
	if total == 0 {
		return 0
	}
	// The rank of the quantile among the durations, 1-based ("nearest
	// rank"), so that the median of 1, 2, 3 is 2.
	rank := int(q*float64(total) + 0.999999999)
	if rank < 1 {
		rank = 1
	}
	seen := 0
	for i, c := range h {
		if c == 0 {
			continue
		}
		if seen+int(c) >= rank {
			k := rank - seen
			return float64(i) + (float64(k)-0.5)/float64(c)
		}
		seen += int(c)
	}
	return float64(HistogramBuckets - 1)
}

// IsZero reports whether nothing was counted.
func (h *Histogram) IsZero() bool { return *h == Histogram{} }

// MarshalBinary writes the non-empty buckets only, as pairs of uvarints
// (index, count): a cell's histogram holds a few visits, and a year of
// cells is read for one report.
func (h *Histogram) MarshalBinary() ([]byte, error) {
	return h.AppendBinary(nil), nil
}

// AppendBinary appends the encoding of MarshalBinary to b.
func (h *Histogram) AppendBinary(b []byte) []byte {
	for i, c := range h {
		if c != 0 {
			b = binary.AppendUvarint(b, uint64(i))
			b = binary.AppendUvarint(b, uint64(c))
		}
	}
	return b
}

// errHistogram is a stored histogram that is not MarshalBinary's.
var errHistogram = errors.New("statistics: bad histogram encoding")

// UnmarshalBinary reads MarshalBinary's encoding.
func (h *Histogram) UnmarshalBinary(b []byte) error {
	*h = Histogram{}
	return h.MergeBinary(b)
}

// MergeBinary adds the counts of an encoded histogram to h without
// decoding it into a histogram of its own first.
func (h *Histogram) MergeBinary(b []byte) error {
	for len(b) > 0 {
		i, n := binary.Uvarint(b)
		if n <= 0 || i >= HistogramBuckets {
			return errHistogram
		}
		b = b[n:]
		c, n := binary.Uvarint(b)
		if n <= 0 {
			return errHistogram
		}
		b = b[n:]
		h[i] += uint32(c)
	}
	return nil
}

// PunctualWithin is how late after its start an appointment may be first
// called and still count as punctual.
const PunctualWithin = 5 * time.Minute

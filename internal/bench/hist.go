package bench

import (
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: each doubling of latency is cut
// into 2^subBits equal buckets, so a recorded value is known to within
// 1/128 (0.8 %) of itself, well under the run-to-run noise of any load
// test. Values under 2^subBits nanoseconds are kept exactly.
const subBits = 7

// histogram counts latencies in log-linear buckets, as HdrHistogram does:
// constant memory however long the run (sorted samples would take 8 bytes
// per request, gigabytes for an hour at tens of thousands of requests per
// second), no allocation once the buckets for the slowest value seen exist,
// and two histograms merge by adding counts. The zero value is empty and
// ready to use; a histogram is not safe for concurrent use, so each client
// keeps its own and they are merged at the end.
type histogram struct {
	counts   []uint64 // grown on demand up to the highest bucket seen
	total    uint64
	sum      time.Duration
	min, max time.Duration
}

// bucketOf returns the bucket of v nanoseconds. Below 2^subBits the bucket
// is v itself; above, v's top subBits+1 significant bits (t, in
// [2^subBits, 2^(subBits+1))) and the number of bits shifted out (s) give
// bucket s·2^subBits + t, so buckets are contiguous across doublings.
func bucketOf(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	return shift<<subBits + int(v>>shift)
}

// bucketRange returns the smallest and largest values of bucket b.
func bucketRange(b int) (lo, hi uint64) {
	if b < 1<<subBits {
		return uint64(b), uint64(b)
	}
	shift := b>>subBits - 1
	top := uint64(b - shift<<subBits)
	return top << shift, (top+1)<<shift - 1
}

// record counts one latency; a negative one counts as zero.
func (h *histogram) record(d time.Duration) {
	d = max(d, 0)
	b := bucketOf(uint64(d))
	if b >= len(h.counts) {
		h.counts = append(h.counts, make([]uint64, b+1-len(h.counts))...)
	}
	h.counts[b]++
	if h.total == 0 || d < h.min {
		h.min = d
	}
	h.max = max(h.max, d)
	h.total++
	h.sum += d
}

// merge adds o's counts to h.
func (h *histogram) merge(o *histogram) {
	if o.total == 0 {
		return
	}
	if len(o.counts) > len(h.counts) {
		h.counts = append(h.counts, make([]uint64, len(o.counts)-len(h.counts))...)
	}
	for b, n := range o.counts {
		h.counts[b] += n
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.total += o.total
	h.sum += o.sum
}

// quantile returns the latency under which a fraction q (0 < q ≤ 1) of the
// recorded values fall: the highest value of the bucket holding the value
// of rank ⌈q·n⌉, capped by the largest value recorded, so that a quantile
// never understates and quantile(1) is the exact maximum. An empty
// histogram answers 0.
func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q * float64(h.total))
	if float64(rank) < q*float64(h.total) {
		rank++ // ceiling
	}
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for b, n := range h.counts {
		seen += n
		if seen >= rank {
			_, hi := bucketRange(b)
			return min(time.Duration(hi), h.max)
		}
	}
	return h.max
}

// mean returns the average latency, 0 when empty.
func (h *histogram) mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return h.sum / time.Duration(h.total)
}

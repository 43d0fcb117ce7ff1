package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsAreContiguous(t *testing.T) {
	// Every value falls in the bucket whose range holds it, and the ranges
	// of consecutive buckets touch: no gap, no overlap.
	var prevHi uint64
	for b := 0; b < 40<<subBits; b++ {
		lo, hi := bucketRange(b)
		if b > 0 && lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", b, lo, prevHi)
		}
		for _, v := range []uint64{lo, hi, lo + (hi-lo)/2} {
			if got := bucketOf(v); got != b {
				t.Fatalf("bucketOf(%d) = %d, want %d (range %d..%d)", v, got, b, lo, hi)
			}
		}
		if lo >= 1<<subBits && float64(hi-lo+1)/float64(lo) > 1.0/(1<<subBits)+1e-12 {
			t.Fatalf("bucket %d (%d..%d) is wider than 1/%d of its values", b, lo, hi, 1<<subBits)
		}
		prevHi = hi
	}
	if b := bucketOf(math.MaxInt64); b <= 0 {
		t.Fatalf("bucketOf(MaxInt64) = %d", b)
	}
}

func TestQuantileExactBelowSubBuckets(t *testing.T) {
	var h histogram
	for v := 1; v <= 100; v++ { // 1..100 ns: each in its own bucket
		h.record(time.Duration(v))
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.01, 1}, {0.5, 50}, {0.505, 51}, {0.9, 90}, {0.99, 99}, {1, 100}} {
		if got := h.quantile(c.q); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if h.mean() != 50 { // 5050/100 = 50.5, truncated
		t.Errorf("mean = %v, want 50ns", h.mean())
	}
}

// exactQuantile is the value of rank ⌈q·n⌉ in sorted.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func TestQuantileWithinPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h histogram
	var all []time.Duration
	for range 100_000 {
		// log-normal-ish: most around 200 µs, a tail into seconds
		d := time.Duration(math.Exp(rng.NormFloat64()*1.5) * float64(200*time.Microsecond))
		h.record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.001, 0.5, 0.9, 0.99, 0.999, 1} {
		want := exactQuantile(all, q)
		got := h.quantile(q)
		// never below the true value, and at most one bucket width above
		if got < want || float64(got-want) > float64(want)/(1<<subBits) {
			t.Errorf("quantile(%v) = %v, exact %v", q, got, want)
		}
	}
	if h.quantile(1) != all[len(all)-1] || h.max != all[len(all)-1] || h.min != all[0] {
		t.Errorf("max %v min %v, want %v %v", h.max, h.min, all[len(all)-1], all[0])
	}
}

func TestMergeEqualsRecordingTogether(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var a, b, both histogram
	for i := range 10_000 {
		d := time.Duration(rng.Int64N(int64(50 * time.Millisecond)))
		if i%3 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
		both.record(d)
	}
	var merged histogram // empty, so it grows to b's size first
	merged.merge(&b)
	merged.merge(&a)
	merged.merge(&histogram{}) // merging nothing changes nothing
	if !slices.Equal(merged.counts, both.counts) || merged.total != both.total || merged.sum != both.sum ||
		merged.min != both.min || merged.max != both.max {
		t.Errorf("merged %d values (min %v max %v), recorded together %d (min %v max %v)",
			merged.total, merged.min, merged.max, both.total, both.min, both.max)
	}
}

func TestEmptyAndNegative(t *testing.T) {
	var h histogram
	if h.quantile(0.5) != 0 || h.mean() != 0 {
		t.Error("an empty histogram answers non-zero")
	}
	h.record(-time.Second)
	if h.total != 1 || h.quantile(1) != 0 {
		t.Errorf("a negative latency: total %d, max %v", h.total, h.quantile(1))
	}
}

func BenchmarkRecord(b *testing.B) {
	var h histogram
	for i := 0; b.Loop(); i++ {
		h.record(time.Duration(i%5000) * time.Microsecond)
	}
}

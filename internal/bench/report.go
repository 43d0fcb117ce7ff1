package bench

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is what a run measured, in the shape chatd bench --json prints.
type Result struct {
	URL         string   `json:"url"`
	Scenario    Scenario `json:"scenario"`
	Mix         string   `json:"mix"`
	Clients     int      `json:"clients"`
	Channels    int      `json:"channels"`
	BodySize    int      `json:"body_size"`
	Warmup      float64  `json:"warmup_s"`
	Duration    float64  `json:"duration_s"` // measured: from the first request to the last answer
	ServiceSid  string   `json:"service_sid"`
	Kept        bool     `json:"kept"`
	Interrupted bool     `json:"interrupted"`
	// Total is all operations together; Operations has one entry for each
	// operation the scenario makes (send, page, channel).
	Total      Stats   `json:"total"`
	Operations []Stats `json:"operations"`
	// Errors counts the failed requests by status and Twilio error code
	// ("429 20429", or "502" for a body without a code) or by transport
	// error ("transport: timeout").
	Errors map[string]int64 `json:"errors_by_status"`
	// ErrorSamples describes the first failed requests.
	ErrorSamples []string `json:"error_samples"`
}

// Stats is the measure of one operation, or of all.
type Stats struct {
	Operation string `json:"operation"`
	Requests  int64  `json:"requests"` // answered, whatever the answer, or failed in transport
	Errors    int64  `json:"errors"`   // non-2xx answers and transport errors
	// Throughput is 2xx answers per second.
	Throughput float64 `json:"throughput_rps"`
	// Latency is that of the 2xx answers, from sending the request to
	// reading the whole answer.
	Latency Latency `json:"latency_ms"`
}

// Latency holds percentiles in milliseconds. They come from a histogram
// precise to 0.8 % and never understate; Max is exact.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// OK is the number of 2xx answers.
func (s Stats) OK() int64 { return s.Requests - s.Errors }

func newResult(cfg Config, svc string, t *tally, elapsed time.Duration, interrupted bool) *Result {
	r := &Result{
		URL: cfg.URL, Scenario: cfg.Scenario, Mix: cfg.Scenario.Mix(),
		Clients: cfg.Clients, Channels: cfg.Channels, BodySize: cfg.BodySize,
		Warmup: cfg.Warmup.Seconds(), Duration: math.Round(elapsed.Seconds()*1000) / 1000,
		ServiceSid: svc, Kept: cfg.Keep, Interrupted: interrupted,
		Operations: []Stats{}, Errors: t.errors, ErrorSamples: t.samples,
	}
	if r.Errors == nil {
		r.Errors = map[string]int64{}
	}
	if r.ErrorSamples == nil {
		r.ErrorSamples = []string{}
	}
	var all histogram
	var failed int64
	for o := range numOps {
		if t.ok[o].total == 0 && t.failed[o] == 0 {
			continue
		}
		r.Operations = append(r.Operations, stats(o.String(), &t.ok[o], t.failed[o], elapsed))
		all.merge(&t.ok[o])
		failed += t.failed[o]
	}
	r.Total = stats("total", &all, failed, elapsed)
	return r
}

func stats(operation string, ok *histogram, failed int64, elapsed time.Duration) Stats {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 } // to the µs
	s := Stats{
		Operation: operation,
		Requests:  int64(ok.total) + failed,
		Errors:    failed,
		Latency: Latency{
			P50: ms(ok.quantile(0.50)), P90: ms(ok.quantile(0.90)), P99: ms(ok.quantile(0.99)),
			Max: ms(ok.max), Mean: ms(ok.mean()),
		},
	}
	if elapsed > 0 {
		s.Throughput = math.Round(float64(ok.total)/elapsed.Seconds()*10) / 10
	}
	return s
}

// WriteJSON prints r as one line of JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	return json.NewEncoder(w).Encode(r)
}

// WriteTable prints r for a reader: what ran, a row per operation and the
// total, the failures by kind and the first failures.
func (r *Result) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s: %d clients, %d Channels, %d-byte messages, %.1fs measured after %gs of warm-up",
		r.URL, r.Mix, r.Clients, r.Channels, r.BodySize, r.Duration, r.Warmup)
	if r.Interrupted {
		b.WriteString(" (interrupted)")
	}
	b.WriteString("\n\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\toperation\tclients\trequests\terrors\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\t")
	rows := r.Operations
	if len(rows) != 1 {
		rows = append(rows[:len(rows):len(rows)], r.Total)
	}
	for _, s := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.1f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", r.Scenario, s.Operation, r.Clients,
			s.Requests, s.Errors, s.Throughput, s.Latency.P50, s.Latency.P90, s.Latency.P99, s.Latency.Max)
	}
	tw.Flush()
	if len(r.Errors) > 0 {
		kinds := slices.SortedFunc(maps.Keys(r.Errors), func(a, b string) int {
			return cmp.Or(cmp.Compare(r.Errors[b], r.Errors[a]), strings.Compare(a, b))
		})
		counts := make([]string, len(kinds))
		for i, k := range kinds {
			counts[i] = fmt.Sprintf("%s ×%d", k, r.Errors[k])
		}
		fmt.Fprintf(&b, "\nerrors by status: %s\nfirst errors:\n", strings.Join(counts, ", "))
		for _, s := range r.ErrorSamples {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

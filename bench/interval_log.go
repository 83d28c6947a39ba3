package bench

import (
	"fmt"
	"io"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// IntervalTag is the latency.hlog tag of trial id's operation op. Tags of
// the interval log format may not hold commas or spaces.
func IntervalTag(trial int, op string) string {
	return fmt.Sprintf("trial=%d;op=%s", trial, op)
}

// WriteIntervalLog writes every interval histogram of res in the
// HdrHistogram interval log format (version 1.3), the format
// HistogramLogProcessor and the HdrHistogram readers take: one line per
// trial, operation and interval, tagged by IntervalTag, with timestamps in
// seconds from the base time (the run's start, whole seconds). Values are
// microseconds; the writer scales each line's Interval_Max column by 10⁶,
// so that column reads in seconds.
func WriteIntervalLog(w io.Writer, res *Result) error {
	base := res.Provenance.Started.Truncate(time.Second)
	for _, tr := range res.Trials {
		if !tr.Started.IsZero() && (base.IsZero() || tr.Started.Before(base)) {
			base = tr.Started.Truncate(time.Second)
		}
	}
	lw := hdrhistogram.NewHistogramLogWriter(w)
	baseMs := base.UnixMilli()
	lw.SetBaseTime(baseMs)
	for _, step := range []func() error{
		lw.OutputLogFormatVersion,
		func() error {
			return lw.OutputComment(fmt.Sprintf("[milvbench run %s: latencies in microseconds, tagged trial=ID;op=NAME]", res.Provenance.RunID))
		},
		func() error { return lw.OutputStartTime(baseMs) },
		func() error { return lw.OutputBaseTime(baseMs) },
		lw.OutputLegend,
	} {
		if err := step(); err != nil {
			return err
		}
	}
	for _, tr := range res.Trials {
		for _, s := range tr.Series {
			for i, p := range s.Points {
				h, err := DecodeHistogram(p.Histogram)
				if err != nil {
					return fmt.Errorf("trial %d %s interval %d: %w", tr.ID, s.Op, i, err)
				}
				from := tr.Started.Add(time.Duration(p.StartS * float64(time.Second)))
				h.SetStartTimeMs(from.UnixMilli())
				h.SetEndTimeMs(from.Add(time.Duration(p.LengthS * float64(time.Second))).UnixMilli())
				h.SetTag(IntervalTag(tr.ID, s.Op))
				if err := lw.OutputIntervalHistogram(h); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

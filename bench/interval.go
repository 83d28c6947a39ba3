package bench

import (
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Operation names of interval recorders, as tagged in latency.hlog and
// named in a trial's series. A load model may add its own (insert, delete).
const (
	// OpSearch is the headline search latency: client-observed in a closed
	// loop, from the intended send time in an open loop.
	OpSearch = "search"
	// OpSearchService is the service time of the attempt that succeeded.
	OpSearchService = OpSearch + ServiceSuffix
	// ServiceSuffix names the service-time op recorded beside each op
	// (search_service, insert_service, ...).
	ServiceSuffix = "_service"
)

// Tally records latencies (µs HDR) and failures from many goroutines. It is
// split into shards, each behind its own mutex, so that goroutines recording
// through different slots never contend: a closed-loop worker uses its own
// slot, an open-loop request its sequence number.
type Tally struct {
	shards []tallyShard
}

type tallyShard struct {
	mu   sync.Mutex
	hist *hdrhistogram.Histogram
	errs ErrorCounts
	// fails counts failures since the shard was last drained.
	fails int64
	_     [64]byte // keep shards on separate cache lines
}

// maxShards bounds a tally's memory (a histogram is ~140 KB): slots beyond
// it share shards.
const maxShards = 64

// NewTally returns a tally with one shard per slot, up to maxShards.
func NewTally(slots int) *Tally {
	t := &Tally{shards: make([]tallyShard, min(max(slots, 1), maxShards))}
	for i := range t.shards {
		t.shards[i].hist = NewHistogram()
	}
	return t
}

func (t *Tally) shard(slot int) *tallyShard {
	return &t.shards[uint(slot)%uint(len(t.shards))]
}

// Record counts one success of latency d.
func (t *Tally) Record(slot int, d time.Duration) {
	s := t.shard(slot)
	s.mu.Lock()
	RecordLatency(s.hist, d)
	s.mu.Unlock()
}

// Fail counts one failed attempt of class.
func (t *Tally) Fail(slot int, class string, err error) {
	s := t.shard(slot)
	s.mu.Lock()
	s.errs.Add(class, err)
	s.fails++
	s.mu.Unlock()
}

// Retry counts one failed attempt that is sent again.
func (t *Tally) Retry(slot int) {
	s := t.shard(slot)
	s.mu.Lock()
	s.errs.Retries++
	s.mu.Unlock()
}

// drain moves every shard's samples into h, resets them and returns the
// failures counted since the last drain.
func (t *Tally) drain(h *hdrhistogram.Histogram) (fails int64) {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		if s.hist.TotalCount() > 0 {
			h.Merge(s.hist)
			s.hist.Reset()
		}
		fails += s.fails
		s.fails = 0
		s.mu.Unlock()
	}
	return fails
}

// Errors returns the failures counted so far, by class.
func (t *Tally) Errors() ErrorCounts {
	var e ErrorCounts
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		e.Merge(s.errs)
		s.mu.Unlock()
	}
	return e
}

// Histogram drains the tally into a new histogram: the union of every
// sample recorded since the last drain.
func (t *Tally) Histogram() *hdrhistogram.Histogram {
	h := NewHistogram()
	t.drain(h)
	return h
}

// Op is a Tally cut into intervals: every interval of a trial its samples
// are moved into that interval's histogram, which is summarised (a point of
// the op's series) and kept encoded for latency.hlog. A sample belongs to
// the interval in which it was recorded (its request's completion).
type Op struct {
	tally  *Tally
	name   string
	cur    *hdrhistogram.Histogram // scratch for the interval being cut
	total  *hdrhistogram.Histogram
	points []IntervalPoint
	fails  int64
	err    error
}

// Intervals cuts the Ops of one trial together at the same instants, so the
// series of different operations line up. Start it when the measured window
// begins and Stop it when the window ends.
type Intervals struct {
	start time.Time
	every time.Duration
	mu    sync.Mutex
	ops   []*Op
	// last is the start of the interval being filled.
	last time.Time
	stop chan struct{}
	done chan struct{}
}

// NewIntervals returns interval cutting every `every` from start; no op is
// cut until Start.
func NewIntervals(start time.Time, every time.Duration) *Intervals {
	return &Intervals{start: start, every: every, last: start}
}

// Op adds an operation recorded through slots concurrent slots.
func (iv *Intervals) Op(name string, slots int) *Op {
	op := &Op{tally: NewTally(slots), name: name, cur: NewHistogram(), total: NewHistogram()}
	iv.mu.Lock()
	iv.ops = append(iv.ops, op)
	iv.mu.Unlock()
	return op
}

// Start cuts the ops every interval from the start time until Stop.
func (iv *Intervals) Start() {
	iv.stop, iv.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(iv.done)
		tm := time.NewTimer(time.Until(iv.start.Add(iv.every)))
		defer tm.Stop()
		for k := 2; ; k++ {
			select {
			case <-iv.stop:
				return
			case now := <-tm.C:
				iv.cut(now)
				// The next boundary on the grid, skipping any missed.
				next := iv.start.Add(time.Duration(k) * iv.every)
				for !next.After(now) {
					k++
					next = iv.start.Add(time.Duration(k) * iv.every)
				}
				tm.Reset(time.Until(next))
			}
		}
	}()
}

// Stop makes the final cut at end (the end of the measured window, after
// the last sample) and stops the cutting. Every op's Total and Series are
// complete after it. A cut the ticker made after end (it can run late on a
// busy machine) is moved back to end: no sample came after end.
func (iv *Intervals) Stop(end time.Time) {
	if iv.stop != nil {
		close(iv.stop)
		<-iv.done
		iv.stop = nil
	}
	iv.cut(end)
	iv.mu.Lock()
	defer iv.mu.Unlock()
	if !iv.last.After(end) {
		return
	}
	to := end.Sub(iv.start).Seconds()
	for _, op := range iv.ops {
		op.endAt(to)
	}
	iv.last = end
}

// endAt drops the op's intervals that start at or after to seconds (they
// hold no sample) and ends the last one there.
func (op *Op) endAt(to float64) {
	for len(op.points) > 1 && op.points[len(op.points)-1].StartS >= to {
		op.points = op.points[:len(op.points)-1]
	}
	if n := len(op.points); n > 0 {
		p := &op.points[n-1]
		p.LengthS = max(to-p.StartS, 1e-9)
		p.QPS = float64(p.Count) / p.LengthS
	}
}

// cut closes the interval [last, now) of every op.
func (iv *Intervals) cut(now time.Time) {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	if !now.After(iv.last) {
		return
	}
	from, length := iv.last.Sub(iv.start), now.Sub(iv.last)
	for _, op := range iv.ops {
		op.cutInterval(from, length)
	}
	iv.last = now
}

// Record counts one success of latency d through slot.
func (op *Op) Record(slot int, d time.Duration) { op.tally.Record(slot, d) }

// Fail counts one failed attempt of class through slot.
func (op *Op) Fail(slot int, class string, err error) { op.tally.Fail(slot, class, err) }

// Retry counts one failed attempt that is sent again.
func (op *Op) Retry(slot int) { op.tally.Retry(slot) }

// Errors returns the failures counted so far, by class.
func (op *Op) Errors() ErrorCounts { return op.tally.Errors() }

func (op *Op) cutInterval(from, length time.Duration) {
	fails := op.tally.drain(op.cur)
	n := op.cur.TotalCount()
	p := IntervalPoint{StartS: from.Seconds(), LengthS: length.Seconds(), Count: n, QPS: float64(n) / length.Seconds(), Errors: fails}
	s, enc, err := DigestHistogram(op.cur)
	if err != nil && op.err == nil {
		op.err = err
	}
	if n > 0 {
		p.P50MS, p.P99MS, p.MaxMS = s.P50, s.P99, s.Max
	}
	p.Histogram = enc
	op.points = append(op.points, p)
	op.total.Merge(op.cur)
	op.cur.Reset()
	op.fails += fails
}

// Name is the operation's name.
func (op *Op) Name() string { return op.name }

// Total returns the union of every cut interval (after Intervals.Stop: the
// whole trial), and the first error met encoding an interval.
func (op *Op) Total() (*hdrhistogram.Histogram, error) { return op.total, op.err }

// Series returns the op's interval summaries (after Intervals.Stop).
func (op *Op) Series() OpSeries { return OpSeries{Op: op.name, Points: op.points} }

// Live is a snapshot of an op for progress displays: the last complete
// interval and the totals so far.
type Live struct {
	Op       string
	Elapsed  time.Duration
	QPS      float64 // last complete interval
	P99MS    float64 // last complete interval
	Count    int64   // successes so far (cut intervals)
	Errors   int64   // failures so far (cut intervals)
	Interval bool    // whether an interval has completed yet
}

// Live returns a snapshot of every op, in the order they were added.
func (iv *Intervals) Live(now time.Time) []Live {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	out := make([]Live, len(iv.ops))
	for i, op := range iv.ops {
		l := Live{Op: op.name, Elapsed: now.Sub(iv.start), Count: op.total.TotalCount(), Errors: op.fails}
		if n := len(op.points); n > 0 {
			p := op.points[n-1]
			l.QPS, l.P99MS, l.Interval = p.QPS, p.P99MS, true
		}
		out[i] = l
	}
	return out
}

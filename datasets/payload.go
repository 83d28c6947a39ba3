package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/milvbench/milvbench/expr"
	"github.com/milvbench/milvbench/workloads"
)

// Payload holds the scalar fields of every base row and each query's own
// values of them (what a filter drawn "from the query" binds to).
type Payload struct {
	Fields []workloads.PayloadField
	// Checksum identifies every value, rows and queries (ground-truth
	// cache keys include it).
	Checksum string
	cols     [][]expr.Value // field → row
	qcols    [][]expr.Value // field → query
	index    map[string]int
}

// Rows is the number of base rows.
func (p *Payload) Rows() int {
	if len(p.cols) == 0 {
		return 0
	}
	return len(p.cols[0])
}

// Column returns field f's values by row.
func (p *Payload) Column(f int) []expr.Value { return p.cols[f] }

// Row is base row i as an expression row.
func (p *Payload) Row(i int) expr.Row { return payloadRow{p, i} }

type payloadRow struct {
	p *Payload
	i int
}

func (r payloadRow) Field(name string) (expr.Value, bool) {
	f, ok := r.p.index[name]
	if !ok {
		return expr.Value{}, false
	}
	return r.p.cols[f][r.i], true
}

// QueryValue is query q's own value of field name.
func (p *Payload) QueryValue(name string, q int) (expr.Value, bool) {
	f, ok := p.index[name]
	if !ok || q >= len(p.qcols[f]) {
		return expr.Value{}, false
	}
	return p.qcols[f][q], true
}

// Payload region counts: a correlated field's values follow the region of
// vector space (the nearest of a few seeded base rows) a row lies in.
const (
	regionsPerValue = 4
	maxRegions      = 256
	rangedRegions   = 64
)

// BuildPayload generates the payload dataset.payload describes for ds's
// rows and queries (file-read fields are filled by the caller through
// SetColumn). Generation is seeded by spec.Seed and each field's name, so
// it is the same on every machine; correlated fields need one pass over
// the base vectors to find each row's region.
func BuildPayload(ctx context.Context, ds *Dataset, spec workloads.DatasetSpec) (*Payload, error) {
	n, nq := ds.Base.Size(), len(ds.Queries)
	p := &Payload{Fields: spec.Payload, index: map[string]int{}}
	p.cols = make([][]expr.Value, len(spec.Payload))
	p.qcols = make([][]expr.Value, len(spec.Payload))
	var corr []int
	for i, f := range spec.Payload {
		p.index[f.Name] = i
		p.cols[i] = make([]expr.Value, n)
		p.qcols[i] = make([]expr.Value, nq)
		if f.Correlation == workloads.CorrCorrelated || f.Correlation == workloads.CorrAnti {
			corr = append(corr, i)
		}
	}
	regions, err := findRegions(ctx, ds, spec, corr)
	if err != nil {
		return nil, err
	}
	for i, f := range spec.Payload {
		if f.FromFile {
			continue
		}
		g := newFieldGen(spec.Seed, f)
		if r := regions[i]; r != nil {
			g.correlate(r)
		}
		for row := range n {
			p.cols[i][row] = g.row(row, regions[i])
		}
		for q := range nq {
			p.qcols[i][q] = g.query(q, regions[i])
		}
	}
	p.sum()
	return p, nil
}

// SetColumn sets field name's values from a file (rows) and gives every
// query the value of a row drawn with seed (a file has no query payload).
func (p *Payload) SetColumn(name string, rows []expr.Value, seed int64) error {
	f, ok := p.index[name]
	if !ok {
		return fmt.Errorf("payload: no field %q", name)
	}
	if len(rows) != p.Rows() {
		return fmt.Errorf("payload: field %q has %d values for %d rows", name, len(rows), p.Rows())
	}
	p.cols[f] = rows
	for q := range p.qcols[f] {
		rng := rand.New(rand.NewPCG(uint64(seed)^nameHash(name), uint64(q)|1<<62))
		p.qcols[f][q] = rows[rng.IntN(len(rows))]
	}
	p.sum()
	return nil
}

func (p *Payload) sum() {
	h := sha256.New()
	for f, col := range p.cols {
		fmt.Fprintf(h, "%s:%s\n", p.Fields[f].Name, p.Fields[f].Type)
		for _, v := range col {
			fmt.Fprintln(h, v.String())
		}
		for _, v := range p.qcols[f] {
			fmt.Fprintln(h, v.String())
		}
	}
	p.Checksum = hex.EncodeToString(h.Sum(nil))[:16]
}

func nameHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// regions are a correlated field's regions of vector space: each row's and
// each query's nearest and (for queries) farthest region.
type regions struct {
	count int
	row   []int32   // nearest region of each base row
	sizes []int     // rows per region
	order [][]int32 // per query, the regions nearest first
}

// findRegions assigns every row and query of ds to the nearest of a few
// seeded base rows, one set per correlated field (nil for the others).
func findRegions(ctx context.Context, ds *Dataset, spec workloads.DatasetSpec, fields []int) ([]*regions, error) {
	out := make([]*regions, len(spec.Payload))
	if len(fields) == 0 {
		return out, nil
	}
	n := ds.Base.Size()
	type seeds struct {
		rows []int
		vecs [][]float32
	}
	sds := map[int]*seeds{}
	want := map[int][]int{} // row → fields that seed there
	for _, f := range fields {
		pf := spec.Payload[f]
		k := rangedRegions
		if !pf.Ranged() {
			k = min(maxRegions, max(pf.Values*regionsPerValue, 8))
		}
		k = min(k, n)
		rng := rand.New(rand.NewPCG(uint64(spec.Seed)^nameHash(pf.Name), 0x726567696f6e73))
		rows := rng.Perm(n)[:k]
		sort.Ints(rows)
		sds[f] = &seeds{rows: rows, vecs: make([][]float32, k)}
		for _, r := range rows {
			want[r] = append(want[r], f)
		}
	}
	metric := ds.Info.Metric
	// First pass: the seed rows' vectors.
	err := ds.Base.Scan(ctx, 4096, func(first int64, vecs [][]float32) error {
		for j, v := range vecs {
			for _, f := range want[int(first)+j] {
				s := sds[f]
				k, _ := slices.BinarySearch(s.rows, int(first)+j)
				s.vecs[k] = Prepare(metric, append([]float32(nil), v...))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("payload regions: %w", err)
	}
	dist := Distance(metric)
	for _, f := range fields {
		out[f] = &regions{count: len(sds[f].rows), row: make([]int32, n), sizes: make([]int, len(sds[f].rows))}
	}
	// Second pass: every row's nearest region, in parallel.
	err = ds.Base.Scan(ctx, 4096, func(first int64, vecs [][]float32) error {
		parallelRows(len(vecs), func(lo, hi int) {
			for j := lo; j < hi; j++ {
				v := Prepare(metric, vecs[j])
				for _, f := range fields {
					out[f].row[int(first)+j] = int32(nearest(dist, v, sds[f].vecs))
				}
			}
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("payload regions: %w", err)
	}
	for _, f := range fields {
		r := out[f]
		for _, c := range r.row {
			r.sizes[c]++
		}
		r.order = make([][]int32, len(ds.Queries))
		for q, v := range ds.Queries {
			v = Prepare(metric, v)
			ds := make([]float32, r.count)
			for c, s := range sds[f].vecs {
				ds[c] = dist(v, s)
			}
			order := make([]int32, r.count)
			for c := range order {
				order[c] = int32(c)
			}
			slices.SortStableFunc(order, func(a, b int32) int { return cmpF32(ds[a], ds[b]) })
			r.order[q] = order
		}
	}
	return out, nil
}

func nearest(dist func(a, b []float32) float32, v []float32, seeds [][]float32) int {
	best, bd := 0, float32(math.Inf(1))
	for c, s := range seeds {
		if d := dist(v, s); d < bd {
			best, bd = c, d
		}
	}
	return best
}

// parallelRows splits [0, n) over the cores.
func parallelRows(n int, fn func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), max(1, n/256))
	var wg sync.WaitGroup
	for i := range w {
		lo, hi := n*i/w, n*(i+1)/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// fieldGen draws one field's values.
type fieldGen struct {
	f       workloads.PayloadField
	seed    uint64
	cum     []float64 // cumulative category weights (categorical)
	valueOf []int     // region → category (correlated categorical)
	bandOf  []int     // region → band (correlated ranged)
}

func newFieldGen(seed int64, f workloads.PayloadField) *fieldGen {
	g := &fieldGen{f: f, seed: uint64(seed) ^ nameHash(f.Name)}
	if f.Values > 0 {
		s := f.ZipfS
		if s == 0 {
			s = 1.1
		}
		g.cum = make([]float64, f.Values)
		total := 0.0
		for k := range f.Values {
			w := 1.0
			if f.Distribution == workloads.PayloadZipf {
				w = 1 / math.Pow(float64(k+1), s)
			}
			total += w
			g.cum[k] = total
		}
		for k := range g.cum {
			g.cum[k] /= total
		}
	}
	return g
}

func (g *fieldGen) rng(stream, i uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, stream<<56|i))
}

// category draws a category by the field's weights.
func (g *fieldGen) category(rng *rand.Rand) int {
	u := rng.Float64()
	k, _ := slices.BinarySearch(g.cum, u)
	return min(k, len(g.cum)-1)
}

// correlate gives every region a category (balanced to the field's
// weights: regions in decreasing size each go to the category furthest
// below its share) or, for a ranged field, a band of [min, max).
func (g *fieldGen) correlate(r *regions) {
	if g.f.Ranged() || g.f.Type == workloads.PayloadBool {
		rng := g.rng(3, 0)
		g.bandOf = rng.Perm(r.count)
		return
	}
	total := 0
	for _, s := range r.sizes {
		total += s
	}
	order := make([]int, r.count)
	for c := range order {
		order[c] = c
	}
	sort.SliceStable(order, func(a, b int) bool { return r.sizes[order[a]] > r.sizes[order[b]] })
	got := make([]float64, len(g.cum))
	g.valueOf = make([]int, r.count)
	for _, c := range order {
		best, deficit := 0, math.Inf(-1)
		for k := range g.cum {
			share := g.cum[k]
			if k > 0 {
				share -= g.cum[k-1]
			}
			if d := share*float64(total) - got[k]; d > deficit {
				best, deficit = k, d
			}
		}
		g.valueOf[c] = best
		got[best] += float64(r.sizes[c])
	}
}

// row is base row i's value.
func (g *fieldGen) row(i int, r *regions) expr.Value {
	rng := g.rng(1, uint64(i))
	if g.f.Nulls > 0 && rng.Float64() < g.f.Nulls {
		if g.f.Type == workloads.PayloadJSON {
			return expr.JSON(map[string]any{"score": int64(rng.IntN(100))})
		}
		return expr.Null()
	}
	region := -1
	if r != nil {
		region = int(r.row[i])
	}
	return g.value(rng, region, r)
}

// query is query q's own value: the value of its nearest region
// (correlated), its farthest (anti-correlated), or an independent draw.
func (g *fieldGen) query(q int, r *regions) expr.Value {
	rng := g.rng(2, uint64(q))
	region := -1
	if r != nil {
		region = int(r.order[q][0])
		if g.f.Correlation == workloads.CorrAnti {
			region = g.farthestValueRegion(q, r)
		}
	}
	return g.value(rng, region, r)
}

// farthestValueRegion is, for an anti-correlated categorical field, a
// region of the category whose nearest region is farthest from query q
// (so no row of that category is near it); for a ranged field, the
// farthest region.
func (g *fieldGen) farthestValueRegion(q int, r *regions) int {
	if g.valueOf == nil {
		return int(r.order[q][len(r.order[q])-1])
	}
	// Walk regions nearest-first; the last category to appear is the one
	// whose closest region is farthest away.
	seen := make([]bool, len(g.cum))
	last, left := -1, 0
	for k := range seen {
		if slices.Contains(g.valueOf, k) {
			left++
		}
	}
	for _, c32 := range r.order[q] { // nearest first
		c := int(c32)
		v := g.valueOf[c]
		if !seen[v] {
			seen[v] = true
			left--
			last = c
			if left == 0 {
				break
			}
		}
	}
	return last
}

func (g *fieldGen) value(rng *rand.Rand, region int, r *regions) expr.Value {
	f := g.f
	cat := func() int {
		if region >= 0 && g.valueOf != nil {
			return g.valueOf[region]
		}
		return g.category(rng)
	}
	switch f.Type {
	case workloads.PayloadBool:
		if region >= 0 {
			return expr.Bool(g.bandOf[region]%2 == 0)
		}
		return expr.Bool(rng.IntN(2) == 0)
	case workloads.PayloadVarchar:
		return expr.String(fmt.Sprintf("c%d", cat()))
	case workloads.PayloadInt64, workloads.PayloadDouble:
		if !f.Ranged() {
			return expr.Int(int64(cat()))
		}
		lo, hi := *f.Min, *f.Max
		u := rng.Float64()
		if region >= 0 {
			w := (hi - lo) / float64(r.count)
			lo, hi = lo+float64(g.bandOf[region])*w, lo+float64(g.bandOf[region]+1)*w
		}
		x := lo + u*(hi-lo)
		if f.Type == workloads.PayloadInt64 {
			return expr.Int(int64(math.Floor(x)))
		}
		return expr.Float(x)
	case workloads.PayloadArrayInt64, workloads.PayloadArrayVarchar:
		n := rng.IntN(f.Length + 1)
		if f.Type == workloads.PayloadArrayInt64 {
			tags := make([]int64, n)
			for j := range tags {
				tags[j] = int64(g.category(rng))
			}
			return expr.IntArray(tags)
		}
		tags := make([]string, n)
		for j := range tags {
			tags[j] = fmt.Sprintf("t%d", g.category(rng))
		}
		return expr.StringArray(tags)
	}
	// JSON: {"brand": "b<k>", "score": 0..99}.
	return expr.JSON(map[string]any{"brand": fmt.Sprintf("b%d", cat()), "score": int64(rng.IntN(100))})
}

// paramValue is v as a filter parameter: the query's own value of a field
// (a JSON field's brand; an array as a list).
func paramValue(v expr.Value) (any, bool) {
	x := v.Any()
	if v.Kind() == expr.KindJSON {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, false
		}
		x, ok = m["brand"]
		return x, ok
	}
	return x, x != nil
}

// checksumBytes hashes a list of strings into a short key.
func checksumBytes(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// attachPayload builds the payload spec asks for (none: nil), reading the
// from_file fields from spec.PayloadFile relative to dir.
func attachPayload(ctx context.Context, ds *Dataset, spec workloads.DatasetSpec, dir string) error {
	if len(spec.Payload) == 0 {
		return nil
	}
	p, err := BuildPayload(ctx, ds, spec)
	if err != nil {
		return err
	}
	if spec.PayloadFile != "" {
		path := spec.PayloadFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		cols, err := ReadPayloadFile(path, spec.Payload, p.Rows())
		if err != nil {
			return err
		}
		for name, col := range cols {
			if err := p.SetColumn(name, col, spec.Seed); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	ds.Payload = p
	return nil
}

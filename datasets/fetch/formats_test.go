package fetch

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/milvbench/milvbench/datasets"
	"github.com/milvbench/milvbench/workloads"
)

func vectors(n, dim int, seed uint64) [][]float32 {
	b, _ := payload(n*dim, seed)
	out := make([][]float32, n)
	for i := range out {
		out[i] = make([]float32, dim)
		for j := range out[i] {
			out[i][j] = float32(b[i*dim+j]) / 255
		}
	}
	return out
}

// texmexTarball is a gzipped tar in the TEXMEX layout: a directory, base,
// query, ground truth and a learning set (which is not extracted).
func texmexTarball(t *testing.T, prefix string, base, query [][]float32) []byte {
	t.Helper()
	tmp := t.TempDir()
	files := map[string]func(string) error{
		prefix + "_base.fvecs":        func(p string) error { return datasets.WriteFvecs(p, base) },
		prefix + "_query.fvecs":       func(p string) error { return datasets.WriteFvecs(p, query) },
		prefix + "_learn.fvecs":       func(p string) error { return datasets.WriteFvecs(p, base[:10]) },
		prefix + "_groundtruth.ivecs": func(p string) error { return datasets.WriteIvecs(p, [][]int32{{0, 1, 2}, {3, 4, 5}}) },
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	must(t, tw.WriteHeader(&tar.Header{Name: prefix + "/", Typeflag: tar.TypeDir, Mode: 0o755}))
	for _, name := range sortedKeys(files) {
		p := filepath.Join(tmp, name)
		must(t, files[name](p))
		b, err := os.ReadFile(p)
		must(t, err)
		must(t, tw.WriteHeader(&tar.Header{Name: prefix + "/" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b))}))
		_, err = tw.Write(b)
		must(t, err)
	}
	must(t, tw.Close())
	must(t, zw.Close())
	return buf.Bytes()
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// ftpServer is a minimal anonymous FTP server: USER, PASS, TYPE, SIZE,
// EPSV, REST, RETR, QUIT. The first RETR can be cut after dropFirst bytes.
type ftpServer struct {
	ln        net.Listener
	files     map[string][]byte
	dropFirst int
	mu        sync.Mutex
	retrs     int
	rests     []int64
}

func newFTPServer(t *testing.T, files map[string][]byte, dropFirst int) *ftpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	s := &ftpServer{ln: ln, files: files, dropFirst: dropFirst}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *ftpServer) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 test server")
	var rest int64
	var dl net.Listener
	defer func() {
		if dl != nil {
			dl.Close()
		}
	}()
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		cmd, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(cmd) {
		case "USER":
			tp.PrintfLine("331 send a password")
		case "PASS":
			tp.PrintfLine("230 logged in")
		case "TYPE":
			tp.PrintfLine("200 binary")
		case "SIZE":
			if f, ok := s.files[arg]; ok {
				tp.PrintfLine("213 %d", len(f))
			} else {
				tp.PrintfLine("550 no such file")
			}
		case "EPSV":
			if dl, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
				tp.PrintfLine("425 cannot listen")
				continue
			}
			tp.PrintfLine("229 Entering Extended Passive Mode (|||%d|)", dl.Addr().(*net.TCPAddr).Port)
		case "REST":
			rest, _ = strconv.ParseInt(arg, 10, 64)
			s.mu.Lock()
			s.rests = append(s.rests, rest)
			s.mu.Unlock()
			tp.PrintfLine("350 restarting at %d", rest)
		case "RETR":
			f, ok := s.files[arg]
			if !ok || dl == nil {
				tp.PrintfLine("550 no such file")
				continue
			}
			s.mu.Lock()
			s.retrs++
			drop := s.retrs == 1 && s.dropFirst > 0
			s.mu.Unlock()
			tp.PrintfLine("150 opening data connection")
			dc, err := dl.Accept()
			if err != nil {
				return
			}
			data := f[rest:]
			if drop {
				data = data[:s.dropFirst]
			}
			dc.Write(data)
			dc.Close()
			dl.Close()
			dl, rest = nil, 0
			if drop {
				tp.PrintfLine("426 connection closed; transfer aborted")
			} else {
				tp.PrintfLine("226 transfer complete")
			}
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not implemented")
		}
	}
}

// TestTexmexOverFTP fetches a TEXMEX-layout tarball over FTP with a
// published MD5: the first transfer is cut, the second resumes with REST;
// the vector files are extracted (not the learning set), the tarball
// deleted, and the name resolves to source dir, which datasets.Open reads.
func TestTexmexOverFTP(t *testing.T) {
	base, query := vectors(200, 8, 10), vectors(2, 8, 11)
	tgz := texmexTarball(t, "tiny", base, query)
	srv := newFTPServer(t, map[string][]byte{"/corpus/tiny.tar.gz": tgz}, len(tgz)/3)
	e := Entry{Name: "tiny1k", Family: FamilyTexmex, Format: FormatTarball, Dim: 8, Metric: workloads.L2, Rows: 200, Queries: 2,
		Licence: "test", Source: "test", BaseURL: "ftp://" + srv.ln.Addr().String() + "/corpus/",
		Files: []File{{Path: "tiny.tar.gz", MD5: md5hex(tgz)}}, Checksum: ChecksumPublished}
	root := t.TempDir()
	_, err := Fetch(context.Background(), e, Options{Root: root})
	if err == nil || !strings.Contains(err.Error(), "connection lost after") || !strings.Contains(err.Error(), "426") {
		t.Fatalf("first fetch: %v, want a lost connection (426)", err)
	}
	m, err := Fetch(context.Background(), e, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	rests := append([]int64(nil), srv.rests...)
	srv.mu.Unlock()
	if len(rests) != 1 || rests[0] != int64(len(tgz)/3) {
		t.Errorf("REST offsets %v, want [%d]", rests, len(tgz)/3)
	}
	if got := strings.Join(sortedKeys(m.Files), " "); got != "tiny_base.fvecs tiny_groundtruth.ivecs tiny_query.fvecs" {
		t.Errorf("extracted %s", got)
	}
	if a := m.Archives["tiny.tar.gz"]; a.MD5 != md5hex(tgz) || a.Checksum != ChecksumPublished {
		t.Errorf("archive record %+v", a)
	}
	dir := Dir(root, e.Name)
	if _, err := os.Stat(filepath.Join(dir, "tiny.tar.gz.part")); err == nil {
		t.Errorf("the tarball was not deleted")
	}
	// A second fetch finds everything cached and verified.
	var log strings.Builder
	if _, err := Fetch(context.Background(), e, Options{Root: root, Log: func(s string) { log.WriteString(s) }}); err != nil || !strings.Contains(log.String(), "3 extracted files sha256 verified (published)") {
		t.Errorf("second fetch: %v, log %q", err, log.String())
	}
	ds := workloads.DatasetSpec{Name: e.Name, Queries: 1000}
	if _, err := Resolve(&ds, root); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	if ds.Source != workloads.SourceDir || ds.Path != abs || ds.Metric != workloads.L2 {
		t.Errorf("resolved to source %s path %s metric %s", ds.Source, ds.Path, ds.Metric)
	}
	d, truth, err := datasets.Open(context.Background(), ds, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Info.Size != 200 || d.Info.Dim != 8 || d.Info.Queries != 2 || len(truth) != 2 || d.Info.Name != "tiny1k" {
		t.Errorf("opened %+v with %d truth rows", d.Info, len(truth))
	}
}

// TestParquetSet fetches a VectorDBBench-style set of several files and
// reads it through source parquet.
func TestParquetSet(t *testing.T) {
	tmp := t.TempDir()
	base, query := vectors(300, 4, 20), vectors(3, 4, 21)
	write := map[string]func(string) error{
		"train-00-of-2.parquet": func(p string) error { return datasets.WriteParquetVectors(p, 0, base[:150]) },
		"train-01-of-2.parquet": func(p string) error { return datasets.WriteParquetVectors(p, 150, base[150:]) },
		"test.parquet":          func(p string) error { return datasets.WriteParquetVectors(p, 0, query) },
		"neighbors.parquet":     func(p string) error { return datasets.WriteParquetNeighbors(p, [][]int64{{1}, {2}, {3}}) },
	}
	files := map[string][]byte{}
	for name, fn := range write {
		p := filepath.Join(tmp, name)
		must(t, fn(p))
		b, err := os.ReadFile(p)
		must(t, err)
		files["/benchmark/tiny_small_300/"+name] = b
	}
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	})
	e := Entry{Name: "tiny-300", Family: FamilyVDBB, Format: FormatParquet, Dim: 4, Metric: workloads.Cosine, Rows: 300,
		Licence: "test", Source: "test", BaseURL: s.URL + "/benchmark/", Checksum: ChecksumRecorded}
	for _, n := range []string{"train-00-of-2.parquet", "train-01-of-2.parquet", "test.parquet", "neighbors.parquet"} {
		e.Files = append(e.Files, File{Path: "tiny_small_300/" + n})
	}
	root := t.TempDir()
	m, err := Fetch(context.Background(), e, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range m.Files {
		if r.SHA256 != sum(files["/benchmark/tiny_small_300/"+name]) || r.Checksum != ChecksumRecorded {
			t.Errorf("%s: record %+v", name, r)
		}
	}
	ds := workloads.DatasetSpec{Name: e.Name}
	if _, err := Resolve(&ds, root); err != nil {
		t.Fatal(err)
	}
	if ds.Source != workloads.SourceParquet || ds.Metric != workloads.Cosine {
		t.Errorf("resolved to source %s metric %s", ds.Source, ds.Metric)
	}
	d, truth, err := datasets.Open(context.Background(), ds, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Info.Size != 300 || d.Info.Queries != 3 || len(truth) != 3 {
		t.Errorf("opened %+v with %d truth rows", d.Info, len(truth))
	}
}

// TestResolve covers what a workload's dataset.name resolves to, and the
// one-line errors when it cannot.
func TestResolve(t *testing.T) {
	root := t.TempDir()
	// A catalogue HDF5 set, as Fetch leaves it (the file's bytes do not
	// matter here: only that they match the manifest).
	content, good := payload(1000, 30)
	dir := Dir(root, "glove-25-angular")
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "glove-25-angular.hdf5"), content, 0o644))
	m := &Manifest{Name: "glove-25-angular", Format: FormatHDF5, Metric: workloads.Cosine, Complete: true,
		Files: map[string]Record{"glove-25-angular.hdf5": {SHA256: good, Size: 1000, Checksum: ChecksumRecorded}}}
	must(t, m.write(dir))
	// A partly fetched one.
	must(t, os.MkdirAll(Dir(root, "cohere-1m"), 0o755))
	must(t, (&Manifest{Name: "cohere-1m", Format: FormatParquet, Files: map[string]Record{"train.parquet": {}}}).write(Dir(root, "cohere-1m")))
	abs, _ := filepath.Abs(filepath.Join(dir, "glove-25-angular.hdf5"))

	cases := []struct {
		name       string
		metric     workloads.Metric
		wantSource string
		wantPath   string
		wantMetric workloads.Metric
		wantErr    string
	}{
		{name: "glove-25-angular", wantSource: SourceHDF5, wantPath: abs, wantMetric: workloads.Cosine},
		{name: "glove-25-angular", metric: workloads.IP, wantSource: SourceHDF5, wantPath: abs, wantMetric: workloads.IP},
		{name: "sift-128-euclidean", wantErr: "sift-128-euclidean is not in the cache (" + Dir(root, "sift-128-euclidean") + "); fetch it first: milvbench dataset fetch sift-128-euclidean"},
		{name: "cohere-1m", wantErr: "cohere-1m is not in the cache (" + Dir(root, "cohere-1m") + "); fetch it first: milvbench dataset fetch cohere-1m"},
		{name: "sift-128", wantErr: `no dataset "sift-128" in the catalogue or the cache; nearest: sift-128-euclidean, sift10k, sift1m (all: milvbench dataset fetch --list)`},
		{name: "glove100", wantErr: `no dataset "glove100" in the catalogue or the cache; nearest: glove-100-angular, glove-200-angular, glove-50-angular`},
		{name: "../etc", wantErr: `no dataset "../etc" in the catalogue or the cache`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ds := workloads.DatasetSpec{Name: tc.name, Metric: tc.metric}
			_, err := Resolve(&ds, root)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ds.Source != tc.wantSource || ds.Path != tc.wantPath || ds.Metric != tc.wantMetric {
				t.Errorf("resolved to %s %s %s, want %s %s %s", ds.Source, ds.Path, ds.Metric, tc.wantSource, tc.wantPath, tc.wantMetric)
			}
		})
	}
}

// TestFetchErrorsAreOneLine: a bad scheme and an unreachable host.
func TestFetchErrorsAreOneLine(t *testing.T) {
	for _, base := range []string{"gopher://example.com/", "http://127.0.0.1:1/"} {
		_, err := Fetch(context.Background(), testEntry(base, ""), Options{Root: t.TempDir()})
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q, want one line", base, err)
		}
		t.Log(err)
	}
	if _, err := Fetch(context.Background(), Entry{Name: "../x"}, Options{Root: t.TempDir()}); err == nil {
		t.Errorf("a name that leaves the cache was accepted")
	}
}

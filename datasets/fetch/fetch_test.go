package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

// payload returns n deterministic bytes and their sha256.
func payload(n int, seed uint64) ([]byte, string) {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	s := sha256.Sum256(b)
	return b, hex.EncodeToString(s[:])
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// testEntry is a one-file HDF5 entry named testset below base.
func testEntry(base, sha string) Entry {
	kind := ChecksumRecorded
	if sha != "" {
		kind = ChecksumPublished
	}
	return Entry{Name: "testset", Family: FamilyANN, Format: FormatHDF5, Dim: 4, Metric: workloads.Cosine, Rows: 1,
		Licence: "test", Source: "test", BaseURL: base, Files: []File{{Path: "testset.hdf5", SHA256: sha}}, Checksum: kind}
}

// server is a test HTTP server whose handler a test can swap, counting
// requests and keeping their Range headers.
type server struct {
	*httptest.Server
	mu      sync.Mutex
	handler http.HandlerFunc
	ranges  []string
	hits    atomic.Int32
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	s := &server{handler: h}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		h := s.handler
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) set(h http.HandlerFunc) { s.mu.Lock(); s.handler = h; s.mu.Unlock() }

func (s *server) rangeHeaders() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

// serve serves content with Range support (http.ServeContent) and a strong ETag.
func serve(content []byte, etag string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		http.ServeContent(w, r, "f", time.Unix(1700000000, 0), bytes.NewReader(content))
	}
}

// dropAfter announces the whole content, sends its first n bytes and drops
// the connection.
func dropAfter(content []byte, n int, etag string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		w.WriteHeader(http.StatusOK)
		w.Write(content[:n])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
}

// ignoreRange always sends the whole content with 200, whatever Range says.
func ignoreRange(content []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		w.Write(content)
	}
}

// stall sends the first n bytes (none: not even the headers) then nothing
// until the client goes away.
func stall(content []byte, n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if n > 0 {
			w.Header().Set("Content-Length", fmt.Sprint(len(content)))
			w.WriteHeader(http.StatusOK)
			w.Write(content[:n])
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
}

// trickle sends the content in n pieces, pause apart.
func trickle(content []byte, n int, pause time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		step := (len(content) + n - 1) / n
		for i := 0; i < len(content); i += step {
			time.Sleep(pause)
			w.Write(content[i:min(i+step, len(content))])
			w.(http.Flusher).Flush()
		}
	}
}

// step is one call of Fetch: the error it must give ("" none) and what it
// must contain.
type step struct {
	handler http.HandlerFunc // nil: keep the server's
	force   bool
	wantErr []string // substrings; nil: success
	wantLog string   // a substring of the log, when set
}

// TestFetchFaults runs Fetch against a local server that fails in the ways
// real ones do; each case is a sequence of fetches, then checks the cache.
func TestFetchFaults(t *testing.T) {
	content, good := payload(300_000, 1)
	other, otherSum := payload(300_000, 2)
	const n = 100_000
	cases := []struct {
		name      string
		published string // the entry's published sha256 ("" recorded)
		first     http.HandlerFunc
		seedPart  []byte // a .part there before the first fetch (from the server's URL)
		steps     []step
		wantFile  []byte // the cached file at the end (nil: none)
		check     func(t *testing.T, s *server, dir string)
	}{
		{
			name: "dropped connection then resumed with Range", published: good,
			first: dropAfter(content, n, `"v1"`),
			steps: []step{
				{wantErr: []string{"connection lost after 100.0 kB of 300.0 kB", "run the same command again to resume"}},
				{handler: serve(content, `"v1"`), wantLog: "resuming at byte 100000"},
			},
			wantFile: content,
			check: func(t *testing.T, s *server, dir string) {
				if r := s.rangeHeaders(); len(r) != 2 || r[0] != "" || r[1] != "bytes=100000-" {
					t.Errorf("Range headers %q, want none then bytes=100000-", r)
				}
			},
		},
		{
			name: "wrong published checksum", published: otherSum,
			first:    serve(content, `"v1"`),
			steps:    []step{{wantErr: []string{"checksum mismatch", "expected sha256 " + otherSum + " (published)", "got sha256 " + good, "the download was discarded"}}},
			wantFile: nil,
		},
		{
			name:  "a changed file does not replace the good one",
			first: serve(content, `"v1"`),
			steps: []step{
				{},
				{handler: serve(other, `"v2"`), force: true, wantErr: []string{"expected sha256 " + good + " (recorded on first download)", "got sha256 " + otherSum, "the cache left as it was"}},
			},
			wantFile: content,
		},
		{
			name:     "404",
			first:    http.NotFound,
			steps:    []step{{wantErr: []string{"HTTP 404 Not Found", "no file at this address"}}},
			wantFile: nil,
		},
		{
			name:     "stalled before the headers",
			first:    stall(content, 0),
			steps:    []step{{wantErr: []string{"no data for 300ms after 0 B", "stalled", "run the same command again to retry"}}},
			wantFile: nil,
		},
		{
			name:  "stalled mid-file, then resumed",
			first: stall(content, n),
			steps: []step{
				{wantErr: []string{"no data for 300ms after 100.0 kB of 300.0 kB", "the partial download is kept"}},
				{handler: serve(content, ""), wantLog: "resuming at byte 100000"},
			},
			wantFile: content,
		},
		{
			name:     "slow but steady server is not a stall",
			first:    trickle(content, 10, 100*time.Millisecond),
			steps:    []step{{}},
			wantFile: content,
		},
		{
			name: "server ignores Range", published: good,
			first:    ignoreRange(content),
			seedPart: bytes.Repeat([]byte{0xAB}, n), // junk: appending to it would fail the checksum
			steps:    []step{{wantLog: "the server ignored the range request"}},
			wantFile: content,
			check: func(t *testing.T, s *server, dir string) {
				if r := s.rangeHeaders(); len(r) != 1 || r[0] != "bytes=100000-" {
					t.Errorf("Range headers %q, want one bytes=100000-", r)
				}
			},
		},
		{
			name: "partial file already complete (416)", published: good,
			first:    serve(content, ""),
			seedPart: content,
			steps:    []step{{}},
			wantFile: content,
		},
		{
			name:  "recorded on first download, then checked",
			first: serve(content, `"v1"`),
			steps: []step{
				{},
				{wantLog: "cached, sha256 verified (recorded-on-first-download)"},
			},
			wantFile: content,
			check: func(t *testing.T, s *server, dir string) {
				if h := s.hits.Load(); h != 1 {
					t.Errorf("%d requests, want 1: the second fetch should find the file cached", h)
				}
				m, err := ReadManifest(dir)
				if err != nil || m == nil {
					t.Fatalf("manifest: %v", err)
				}
				if r := m.Files["testset.hdf5"]; r.SHA256 != good || r.Checksum != ChecksumRecorded || r.Size != int64(len(content)) {
					t.Errorf("record %+v, want sha256 %s recorded", r, good)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, tc.first)
			root := t.TempDir()
			e := testEntry(s.URL, tc.published)
			dir := Dir(root, e.Name)
			if tc.seedPart != nil {
				must(t, os.MkdirAll(dir, 0o755))
				must(t, os.WriteFile(filepath.Join(dir, "testset.hdf5.part"), tc.seedPart, 0o644))
				meta, _ := json.Marshal(partMeta{URL: e.URL(e.Files[0], "")})
				must(t, os.WriteFile(filepath.Join(dir, "testset.hdf5.part"+metaSuffix), meta, 0o644))
			}
			for i, st := range tc.steps {
				if st.handler != nil {
					s.set(st.handler)
				}
				var log strings.Builder
				opt := Options{Root: root, Stall: 300 * time.Millisecond, Force: st.force, Log: func(m string) { log.WriteString(m + "\n") }}
				t0 := time.Now()
				_, err := Fetch(context.Background(), e, opt)
				if time.Since(t0) > 5*time.Second {
					t.Errorf("step %d took %s", i, time.Since(t0))
				}
				switch {
				case st.wantErr == nil && err != nil:
					t.Fatalf("step %d: %v", i, err)
				case st.wantErr != nil && err == nil:
					t.Fatalf("step %d: no error, want one containing %q", i, st.wantErr)
				case err != nil:
					t.Logf("step %d: %v", i, err)
					if strings.Contains(err.Error(), "\n") {
						t.Errorf("step %d: error is not one line: %q", i, err)
					}
					for _, w := range st.wantErr {
						if !strings.Contains(err.Error(), w) {
							t.Errorf("step %d: error %q does not contain %q", i, err, w)
						}
					}
				}
				if log.Len() > 0 {
					t.Logf("step %d log: %s", i, strings.TrimSpace(log.String()))
				}
				if st.wantLog != "" && !strings.Contains(log.String(), st.wantLog) {
					t.Errorf("step %d: log %q does not contain %q", i, log.String(), st.wantLog)
				}
			}
			got, err := os.ReadFile(filepath.Join(dir, "testset.hdf5"))
			switch {
			case tc.wantFile == nil && err == nil:
				t.Errorf("a file was cached, want none")
			case tc.wantFile != nil && err != nil:
				t.Errorf("cached file: %v", err)
			case tc.wantFile != nil && !bytes.Equal(got, tc.wantFile):
				t.Errorf("cached file has sha256 %s, want %s", sum(got), sum(tc.wantFile))
			}
			if _, err := os.Stat(filepath.Join(dir, "testset.hdf5.part")); err == nil {
				t.Errorf("a .part file is left behind")
			}
			if tc.wantFile != nil {
				ds := workloads.DatasetSpec{Name: e.Name}
				if _, err := Resolve(&ds, root); err != nil {
					t.Errorf("resolve after the fetch: %v", err)
				}
			}
			if tc.check != nil {
				tc.check(t, s, dir)
			}
		})
	}
}

// TestRecordedChecksumDetectsCorruption: a file recorded on its first
// download is checked on every read; a corrupted copy is named with both
// sums, and fetching again restores it.
func TestRecordedChecksumDetectsCorruption(t *testing.T) {
	content, good := payload(50_000, 3)
	s := newServer(t, serve(content, `"v1"`))
	root := t.TempDir()
	e := testEntry(s.URL, "")
	if _, err := Fetch(context.Background(), e, Options{Root: root}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(Dir(root, e.Name), "testset.hdf5")
	bad := append([]byte(nil), content...)
	bad[len(bad)/2] ^= 1
	must(t, os.WriteFile(p, bad, 0o644))

	ds := workloads.DatasetSpec{Name: e.Name}
	_, err := Resolve(&ds, root)
	for _, w := range []string{"checksum mismatch", "expected sha256 " + good + " (recorded on first download)", "got sha256 " + sum(bad), "fetch it again: milvbench dataset fetch testset"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("resolve of a corrupted file: error %v, want it to contain %q", err, w)
		}
	}
	var log strings.Builder
	if _, err := Fetch(context.Background(), e, Options{Root: root, Log: func(m string) { log.WriteString(m) }}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "does not match the sha256 recorded") {
		t.Errorf("log %q: the corrupted file was not reported", log.String())
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, content) {
		t.Errorf("fetching again did not restore the file")
	}
	if h := s.hits.Load(); h != 2 {
		t.Errorf("%d requests, want 2", h)
	}
	if _, err := Resolve(&ds, root); err != nil {
		t.Errorf("resolve after the repair: %v", err)
	}
}

// TestProgress reports bytes, total, rate and ETA, and one final call.
func TestProgress(t *testing.T) {
	content, good := payload(2_000_000, 4)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		for i := 0; i < len(content); i += 200_000 {
			w.Write(content[i : i+200_000])
			w.(http.Flusher).Flush()
			time.Sleep(5 * time.Millisecond)
		}
	})
	var calls []Progress
	opt := Options{Root: t.TempDir(), ProgressEvery: time.Millisecond, Progress: func(p Progress) { calls = append(calls, p) }}
	if _, err := Fetch(context.Background(), testEntry(s.URL, good), opt); err != nil {
		t.Fatal(err)
	}
	if len(calls) < 2 {
		t.Fatalf("%d progress calls, want several", len(calls))
	}
	last := calls[len(calls)-1]
	if !last.Final || last.Done != int64(len(content)) || last.Total != int64(len(content)) || last.Rate <= 0 || last.File != "testset.hdf5" || last.Dataset != "testset" {
		t.Errorf("last progress %+v", last)
	}
	for _, p := range calls[:len(calls)-1] {
		if p.Final || p.ETA < 0 || p.Done > p.Total {
			t.Errorf("progress %+v", p)
		}
	}
}

// TestMirror fetches from the mirror's copy of the publisher's layout.
func TestMirror(t *testing.T) {
	content, good := payload(1000, 5)
	var path atomic.Value
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		path.Store(r.URL.Path)
		w.Write(content)
	})
	e := testEntry("http://127.0.0.1:1/unreachable/", good)
	e.Files[0].Path = "sub/testset.hdf5"
	if _, err := Fetch(context.Background(), e, Options{Root: t.TempDir(), Mirror: s.URL + "/mirror/"}); err != nil {
		t.Fatal(err)
	}
	if p := path.Load(); p != "/mirror/sub/testset.hdf5" {
		t.Errorf("fetched %v, want /mirror/sub/testset.hdf5", p)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

package milvus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
	"github.com/milvus-io/milvus/pkg/v2/util/merr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{context.DeadlineExceeded, bench.ClassTimeout},
		{status.Error(codes.Unavailable, "down"), bench.ClassUnavailable},
		{status.Error(codes.ResourceExhausted, "slow down"), bench.ClassRateLimited},
		{status.Error(codes.Unauthenticated, "auth check failure, please check username and password are correct"), bench.ClassAuth},
		{status.Error(codes.PermissionDenied, "PrivilegeCreateCollection: permission deny to u"), bench.ClassAuth},
		{fmt.Errorf("create: %w", merr.ErrPrivilegeNotAuthenticated), bench.ClassAuth},
		{merr.ErrPrivilegeNotPermitted, bench.ClassAuth},
		{merr.ErrNeedAuthenticate, bench.ClassAuth},
		{merr.ErrServiceRateLimit, bench.ClassRateLimited},
		{merr.ErrServiceQuotaExceeded, bench.ClassQuota},
		{errors.New("boom"), bench.ClassOther},
		// Milvus Lite 3.2.2 refuses an index type it lacks with the
		// "unavailable" code: not retried.
		{merr.WrapErrServiceUnavailable("unknown index_type: 'HNSW_PQ'"), bench.ClassOther},
		{merr.WrapErrServiceUnavailable("node down"), bench.ClassUnavailable},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
		if got := bench.Classify(wrap(tt.err)); got != tt.want {
			t.Errorf("bench.Classify(wrap(%v)) = %s, want %s", tt.err, got, tt.want)
		}
	}
	if bench.Retryable(bench.ClassAuth) {
		t.Error("auth failures must not be retried")
	}
}

func TestTransportOptions(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		tls  bool
		err  string
	}{
		{name: "plaintext", cfg: Config{URI: "http://127.0.0.1:19530"}},
		{name: "tls system roots", cfg: Config{URI: "https://example.invalid:443"}, tls: true},
		{name: "tls server name", cfg: Config{URI: "https://127.0.0.1:443", ServerName: "milvus.internal"}, tls: true},
		{name: "ca on plaintext", cfg: Config{URI: "http://127.0.0.1:19530", CAFile: "ca.pem"},
			err: "milvus: target.ca_file and target.server_name apply to TLS: use an https:// uri (got http://127.0.0.1:19530)"},
		{name: "missing ca", cfg: Config{URI: "https://127.0.0.1:19530", CAFile: "testdata/none.pem"},
			err: "milvus: target.ca_file: open testdata/none.pem: no such file or directory"},
		{name: "ca without pem", cfg: Config{URI: "https://127.0.0.1:19530", CAFile: "errors_test.go"},
			err: "milvus: target.ca_file: errors_test.go holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, err := transport(tt.cfg)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (opt != nil) != tt.tls {
				t.Errorf("TLS option %v, want TLS %v", opt != nil, tt.tls)
			}
		})
	}
}

func TestCheckServerVersion(t *testing.T) {
	for _, tc := range []struct {
		typ, version, want string
	}{
		{"HNSW_PQ", "v2.3.21", "milvus: HNSW_PQ needs Milvus 2.6 or later; this server is v2.3.21"},
		{"IVF_RABITQ", "v2.5.4", "milvus: IVF_RABITQ needs Milvus 2.6 or later; this server is v2.5.4"},
		{"HNSW_SQ", "v2.6.3", ""},
		{"HNSW_PRQ", "v3.0.0", ""},
		{"HNSW", "v2.3.21", ""},
		{"SPARSE_INVERTED_INDEX", "v2.3.21", "needs Milvus 2.4 or later"},
		{"HNSW_PQ", "2.6-dev", ""},
		{"HNSW_PQ", "unknown", ""},
	} {
		err := checkServerVersion(workloads.IndexConfig{Type: tc.typ}, tc.version)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s on %s: %v, want %q", tc.typ, tc.version, err, tc.want)
		}
	}
}

func TestCheckReleaseForVectors(t *testing.T) {
	if err := checkReleaseFor("float16 vectors", vectorSince["float16"], "v2.3.5-lite"); err == nil || err.Error() != "milvus: float16 vectors needs Milvus 2.4 or later; this server is v2.3.5-lite" {
		t.Errorf("2.3: %v", err)
	}
	for _, v := range []string{"v2.4.0", "v2.6.3", "milvus_lite-3.2.2", ""} {
		if err := checkReleaseFor("bfloat16 vectors", vectorSince["bfloat16"], v); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	if err := checkReleaseFor("float vectors", vectorSince["float"], "v2.3.5"); err != nil {
		t.Error(err)
	}
}

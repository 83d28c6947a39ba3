package zilliz

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/milvbench/milvbench/cloud/zilliz/zilliztest"
	"github.com/milvbench/milvbench/workloads"
)

const key = "zc-FAKE-4f1d2c3b5a69788796a5b4c3d2e1f0aa"

// TestDescribeReplay runs the client against the replayed documented
// answers: each success maps to the expected cluster, each failure to its
// kind, and no error text contains the API key.
func TestDescribeReplay(t *testing.T) {
	srv := zilliztest.New(key)
	defer srv.Close()
	tests := []struct {
		name string
		id   string
		key  string
		want workloads.ClusterSpec
		kind Kind
		msg  string // a part of the error text
	}{
		{name: "dedicated standard", id: zilliztest.Dedicated, key: key, want: workloads.ClusterSpec{
			ClusterID: zilliztest.Dedicated, Name: "dedicated-test", Region: "aws-us-west-2", Plan: "standard",
			CUType: "performance", CUs: 2, Replicas: 1, Source: "control plane"}},
		{name: "enterprise with replicas", id: zilliztest.Enterprise, key: key, want: workloads.ClusterSpec{
			ClusterID: zilliztest.Enterprise, Name: "enterprise-replicas", Region: "aws-us-west-2", Plan: "enterprise",
			CUType: "capacity", CUs: 8, Replicas: 2, Source: "control plane"}},
		{name: "serverless", id: zilliztest.Serverless, key: key, want: workloads.ClusterSpec{
			ClusterID: zilliztest.Serverless, Name: "Serverless-01", Region: "gcp-us-west1", Plan: "serverless", Source: "control plane"}},
		{name: "free", id: zilliztest.Free, key: key, want: workloads.ClusterSpec{
			ClusterID: zilliztest.Free, Name: "Free-01", Region: "gcp-us-west1", Plan: "free", Source: "control plane"}},
		{name: "recorded clusterType", id: zilliztest.Recorded, key: key, want: workloads.ClusterSpec{
			ClusterID: zilliztest.Recorded, Name: "a-standard-type-cluster", Region: "gcp-us-west1", Plan: "standard",
			CUType: "performance", CUs: 1, Replicas: 1, Source: "control plane"}},
		{name: "wrong key", id: zilliztest.Dedicated, key: "zc-WRONG-000000000000000000", kind: KeyRefused,
			msg: "the API key (from env ZILLIZ_API_KEY) was refused (HTTP 401, code 80001: Invalid token: Your token is not valid."},
		{name: "illegal key", id: zilliztest.IllegalKey, key: key, kind: KeyRefused,
			msg: "was refused (HTTP 200, code 21119: The apikey is illegal.)"},
		{name: "unknown cluster", id: zilliztest.Missing, key: key, kind: NotFound,
			msg: "cluster in01-0000000000000000 not found (HTTP 200, code 96017: The specified cluster does not exist.)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{BaseURL: srv.URL, APIKey: tt.key, KeySource: "env ZILLIZ_API_KEY", Timeout: 5 * time.Second}
			cl, err := c.DescribeCluster(context.Background(), tt.id)
			if tt.kind != 0 {
				checkError(t, err, tt.kind, tt.msg, tt.key)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cl.Spec(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("spec\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestDescribeFailures covers answers the documentation does not show but a
// server or network can produce.
func TestDescribeFailures(t *testing.T) {
	const id = zilliztest.Dedicated
	tests := []struct {
		name   string
		status int
		body   string
		kind   Kind
		msg    string
	}{
		{name: "404", status: 404, body: `{"code":404,"message":"Not Found"}`, kind: NotFound, msg: "cluster in01-108240180a4faf8 not found (HTTP 404, code 404: Not Found)"},
		{name: "403 no permission", status: 200, body: `{"code":96016,"message":"You don't have permission for this cluster. Please check your Apikey scope."}`,
			kind: KeyRefused, msg: "code 96016"},
		{name: "key echoed back", status: 401, body: `{"code":80001,"message":"token ` + key + ` is not valid"}`,
			kind: KeyRefused, msg: "token [API key] is not valid"},
		{name: "malformed JSON", status: 200, body: `{"code":0,"data":{"clusterId":`, kind: BadAnswer, msg: "the answer is not the documented JSON (unexpected end of JSON input)"},
		{name: "HTML error page", status: 502, body: "<html>Bad Gateway</html>", kind: Failed, msg: "describe cluster in01-108240180a4faf8 failed (HTTP 502)"},
		{name: "rate limited", status: 429, body: `{"code":429,"message":"too many requests"}`, kind: RateLimited, msg: "rate limited"},
		{name: "no code", status: 200, body: `{"data":{}}`, kind: BadAnswer, msg: "no code field"},
		{name: "no data", status: 200, body: `{"code":0}`, kind: BadAnswer, msg: "has no data"},
		{name: "wrong field type", status: 200, body: `{"code":0,"data":{"clusterId":"` + id + `","cuSize":"two"}}`, kind: BadAnswer, msg: "not the documented cluster"},
		{name: "another cluster", status: 200, body: `{"code":0,"data":{"clusterId":"in01-other"}}`, kind: BadAnswer, msg: `the answer describes "in01-other"`},
		{name: "cuSize out of range", status: 200, body: `{"code":0,"data":{"clusterId":"` + id + `","cuSize":1000}}`, kind: BadAnswer, msg: "out of the documented range"},
		{name: "other error code", status: 200, body: `{"code":96004,"message":"Invalid dedicated plan."}`, kind: Failed, msg: "failed (HTTP 200, code 96004: Invalid dedicated plan.)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer "+key || r.Header.Get("Accept") != "application/json" || r.URL.Path != "/v2/clusters/"+id {
					t.Errorf("request %s %s with headers %v", r.Method, r.URL.Path, r.Header)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c := &Client{BaseURL: srv.URL + "/", APIKey: key, KeySource: "file k", Timeout: 5 * time.Second}
			_, err := c.DescribeCluster(context.Background(), id)
			checkError(t, err, tt.kind, tt.msg, key)
		})
	}
}

func TestDescribeTimeoutAndUnreachable(t *testing.T) {
	slow := zilliztest.New(key)
	slow.Delay = 5 * time.Second
	defer slow.Close()
	c := &Client{BaseURL: slow.URL, APIKey: key, Timeout: 100 * time.Millisecond}
	t0 := time.Now()
	_, err := c.DescribeCluster(context.Background(), zilliztest.Dedicated)
	checkError(t, err, Timeout, "no answer within 100ms to describe cluster in01-108240180a4faf8", key)
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("the timeout took %s", d)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c = &Client{BaseURL: "http://" + addr, APIKey: key, Timeout: 5 * time.Second}
	_, err = c.DescribeCluster(context.Background(), zilliztest.Dedicated)
	checkError(t, err, Unreachable, "unreachable (", key)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c = &Client{BaseURL: slow.URL, APIKey: key}
	if _, err = c.DescribeCluster(ctx, zilliztest.Dedicated); !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), key) {
		t.Errorf("cancelled call: %v", err)
	}
}

func checkError(t *testing.T, err error, kind Kind, msg, key string) {
	t.Helper()
	var ze *Error
	if !errors.As(err, &ze) {
		t.Fatalf("error %v (%T), want a *zilliz.Error of kind %d", err, err, kind)
	}
	if ze.Kind != kind {
		t.Errorf("kind %d, want %d: %s", ze.Kind, kind, err)
	}
	text := err.Error()
	if !strings.Contains(text, msg) {
		t.Errorf("error %q\ndoes not contain %q", text, msg)
	}
	if !strings.HasPrefix(text, "zilliz control plane http") {
		t.Errorf("error does not name the control plane: %s", text)
	}
	if strings.ContainsAny(text, "\n\r") {
		t.Errorf("error spans lines: %q", text)
	}
	if key != "" && strings.Contains(text, key) {
		t.Errorf("error contains the API key: %s", text)
	}
}

func TestResolve(t *testing.T) {
	srv := zilliztest.New(key)
	defer srv.Close()
	dir := t.TempDir()
	good := filepath.Join(dir, "key")
	if err := os.WriteFile(good, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	twoWords := filepath.Join(dir, "two")
	if err := os.WriteFile(twoWords, []byte(key+" "+key), 0o600); err != nil {
		t.Fatal(err)
	}
	in := workloads.ClusterSpec{ClusterID: zilliztest.Enterprise, APIKeyFile: good, APIKeySrc: "file " + good, ControlURL: srv.URL}
	got, cl, err := Resolve(context.Background(), in, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := workloads.ClusterSpec{ClusterID: zilliztest.Enterprise, Name: "enterprise-replicas", Region: "aws-us-west-2", Plan: "enterprise",
		CUType: "capacity", CUs: 8, Replicas: 2, Source: "control plane", APIKeyFile: good, APIKeySrc: "file " + good, ControlURL: srv.URL}
	if !reflect.DeepEqual(got, want) || cl.Status != "RUNNING" {
		t.Errorf("resolved\n got %+v (status %s)\nwant %+v", got, cl.Status, want)
	}
	in.APIKeyFile = twoWords
	if _, _, err := Resolve(context.Background(), in, time.Second); err == nil || strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "does not hold one API key") {
		t.Errorf("two-word key file: %v", err)
	}
	in.APIKeyFile = filepath.Join(dir, "missing")
	if _, _, err := Resolve(context.Background(), in, time.Second); err == nil || !strings.Contains(err.Error(), "cluster.api_key_file: open ") {
		t.Errorf("missing key file: %v", err)
	}
	in = workloads.ClusterSpec{ClusterID: zilliztest.Dedicated, APIKey: "zc-WRONG", APIKeySrc: "env ZILLIZ_API_KEY", ControlURL: srv.URL}
	if _, _, err := Resolve(context.Background(), in, time.Second); err == nil || !strings.Contains(err.Error(), "was refused") {
		t.Errorf("wrong key: %v", err)
	}
}

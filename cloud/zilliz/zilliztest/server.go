// Package zilliztest replays the Zilliz Cloud control plane's Describe
// Cluster (REST API v2) on a local net/http/httptest server, with the
// responses the public documentation shows (testdata/README.md says where
// each comes from). Tests of the client and of the CLI use it; there is no
// real cloud behind it.
package zilliztest

import (
	"embed"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"
)

//go:embed testdata/*.json
var responses embed.FS

// Cluster IDs the replay knows, with the documented response each returns.
const (
	Dedicated  = "in01-108240180a4faf8" // Standard plan, 2 Performance-optimized CUs
	Serverless = "in05-991240180a4faf8" // Serverless plan, no CUs
	Free       = "in03-112340180a4faf8" // Free plan, no CUs
	Enterprise = "in01-2e7f9c0b5d3a41e" // Enterprise plan, 8 Capacity-optimized CUs × 2 replicas
	Recorded   = "in01-850a24ece14d872" // recorded answer: code 200, CU type in clusterType
	// IllegalKey answers with the documented failure body (HTTP 200, code
	// 21119 "The apikey is illegal.") whatever the key.
	IllegalKey = "in01-apikeyillegal0000"
	// Missing answers that the cluster does not exist (HTTP 200, code 96017).
	Missing = "in01-0000000000000000"
)

var files = map[string]string{
	Dedicated:  "describe_dedicated.json",
	Serverless: "describe_serverless.json",
	Free:       "describe_free.json",
	Enterprise: "describe_enterprise.json",
	Recorded:   "describe_recorded_cluster_type.json",
	IllegalKey: "error_apikey_illegal.json",
	Missing:    "error_cluster_not_found.json",
}

// Server is a running replay. It accepts only "Authorization: Bearer KEY"
// with the key it was started with, and answers 401 (code 80001) otherwise.
type Server struct {
	*httptest.Server
	key string
	// Delay holds every answer back this long (or until the client gives
	// up), to test timeouts. Set it before the first request.
	Delay time.Duration
	// Requests counts the requests the server received.
	Requests atomic.Int64
}

// New starts a replay that accepts apiKey; Close stops it.
func New(apiKey string) *Server {
	s := &Server{key: apiKey}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	if s.Delay > 0 {
		select {
		case <-time.After(s.Delay):
		case <-r.Context().Done():
			return
		}
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/v2/clusters/")
	if !ok || r.Method != http.MethodGet || id == "" || strings.Contains(id, "/") {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.key {
		reply(w, http.StatusUnauthorized, "error_invalid_token.json")
		return
	}
	f, ok := files[id]
	if !ok {
		f = "error_cluster_not_found.json"
	}
	reply(w, http.StatusOK, f)
}

func reply(w http.ResponseWriter, status int, file string) {
	body, err := responses.ReadFile("testdata/" + file)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

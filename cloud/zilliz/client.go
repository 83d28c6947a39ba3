// Package zilliz reads what a Zilliz Cloud cluster is — plan, CU type, CU
// count, replicas, region — from the Zilliz Cloud control plane (REST API v2,
// Describe Cluster), so a run records the cluster it measured without the
// user typing it in. It never touches the cluster's data (that is the Milvus
// target, bench/milvus).
//
// The API key is a secret: it is sent only in the Authorization header, and
// no error, log line or result carries it (error texts are scrubbed of it,
// even when a server echoes it back).
package zilliz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

// DefaultTimeout bounds one Describe Cluster call, connection included.
const DefaultTimeout = 10 * time.Second

// maxBody bounds the answer read (a Describe Cluster answer is under 1 KiB).
const maxBody = 1 << 20

// Client calls the control plane. The zero value is not usable: set BaseURL
// and APIKey.
type Client struct {
	// BaseURL is the control plane, e.g. https://api.cloud.zilliz.com.
	BaseURL string
	APIKey  string
	// KeySource says where the key came from ("env ZILLIZ_API_KEY"), for
	// errors; never the key.
	KeySource string
	// Timeout bounds each call (default DefaultTimeout).
	Timeout time.Duration
	// HTTP is the client used (default http.DefaultClient's transport).
	HTTP *http.Client
}

// Cluster is the documented answer of Describe Cluster (GET
// /v2/clusters/{CLUSTER_ID}), the fields milvbench uses.
type Cluster struct {
	ClusterID      string `json:"clusterId"`
	ClusterName    string `json:"clusterName"`
	ProjectID      string `json:"projectId"`
	RegionID       string `json:"regionId"`
	Plan           string `json:"plan"`
	CUType         string `json:"cuType"`
	CUSize         int    `json:"cuSize"`
	Replica        int    `json:"replica"`
	Status         string `json:"status"`
	ConnectAddress string `json:"connectAddress"`
	// ClusterType is the CU type's older field name (v1, early v2 answers).
	ClusterType string `json:"clusterType"`
}

// Kind classifies a failed call.
type Kind int

// Kinds of failure.
const (
	KeyRefused  Kind = iota + 1 // 401/403, or an authentication error code
	NotFound                    // no such cluster (for this key)
	Unreachable                 // no connection (DNS, refused, TLS)
	Timeout                     // no answer within Client.Timeout
	RateLimited                 // 429
	BadAnswer                   // an answer that is not the documented JSON
	Failed                      // any other error the control plane reported
)

// Error is a failed control-plane call, in one line without the API key.
type Error struct {
	Kind Kind
	msg  string
}

func (e *Error) Error() string { return e.msg }

// authCodes are the documented error codes that mean the key was not
// accepted for the request: 80001/80002 (invalid token), 21119 (the apikey
// is illegal), 96012..96016 (no permission for the project or cluster).
var authCodes = map[int]bool{80001: true, 80002: true, 21119: true, 96012: true, 96013: true, 96014: true, 96015: true, 96016: true}

// DescribeCluster reads cluster id from the control plane.
func (c *Client) DescribeCluster(ctx context.Context, id string) (Cluster, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	base := strings.TrimRight(c.BaseURL, "/")
	where := "zilliz control plane " + base
	fail := func(kind Kind, format string, args ...any) error {
		return &Error{Kind: kind, msg: c.scrub(where + ": " + fmt.Sprintf(format, args...))}
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, base+"/v2/clusters/"+url.PathEscape(id), nil)
	if err != nil {
		return Cluster{}, fail(Failed, "describe cluster %s: %v", id, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.APIKey)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
	}
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return Cluster{}, fmt.Errorf("%s: describe cluster %s: %w", where, id, ctx.Err())
		case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
			return Cluster{}, fail(Timeout, "no answer within %s to describe cluster %s", timeout, id)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Cluster{}, fail(Unreachable, "unreachable (%v); check cluster.control_url and the network", err)
	}
	var answer struct {
		Code    *int            `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	jerr := json.Unmarshal(body, &answer)
	detail := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if jerr == nil && answer.Code != nil {
		detail += fmt.Sprintf(", code %d", *answer.Code)
		if answer.Message != "" {
			detail += ": " + oneLine(answer.Message, 200)
		}
	}
	ok := resp.StatusCode == http.StatusOK && jerr == nil && answer.Code != nil && (*answer.Code == 0 || *answer.Code == 200)
	if !ok {
		code := 0
		if jerr == nil && answer.Code != nil {
			code = *answer.Code
		}
		msg := strings.ToLower(answer.Message)
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || authCodes[code]:
			return Cluster{}, fail(KeyRefused, "the API key (from %s) was refused (%s); check the key and that it may read cluster %s", c.keySource(), detail, id)
		case resp.StatusCode == http.StatusNotFound || strings.Contains(msg, "not exist") || strings.Contains(msg, "not found"):
			return Cluster{}, fail(NotFound, "cluster %s not found (%s); check cluster.cluster_id and that the API key's project holds it", id, detail)
		case resp.StatusCode == http.StatusTooManyRequests:
			return Cluster{}, fail(RateLimited, "rate limited describing cluster %s (%s); the control plane allows 20 requests/s per key, try again", id, detail)
		case resp.StatusCode == http.StatusOK && jerr != nil:
			return Cluster{}, fail(BadAnswer, "describe cluster %s: the answer is not the documented JSON (%v)", id, jerr)
		case resp.StatusCode == http.StatusOK && answer.Code == nil:
			return Cluster{}, fail(BadAnswer, "describe cluster %s: the answer has no code field", id)
		}
		return Cluster{}, fail(Failed, "describe cluster %s failed (%s)", id, detail)
	}
	var cl Cluster
	if len(answer.Data) == 0 || string(answer.Data) == "null" {
		return Cluster{}, fail(BadAnswer, "describe cluster %s: the answer has no data", id)
	}
	if err := json.Unmarshal(answer.Data, &cl); err != nil {
		return Cluster{}, fail(BadAnswer, "describe cluster %s: the answer's data is not the documented cluster (%v)", id, err)
	}
	if cl.ClusterID != id {
		return Cluster{}, fail(BadAnswer, "asked for cluster %s, the answer describes %q", id, cl.ClusterID)
	}
	if cl.CUSize < 0 || cl.CUSize > workloads.MaxCUs || cl.Replica < 0 || cl.Replica > workloads.MaxCUs {
		return Cluster{}, fail(BadAnswer, "describe cluster %s: cuSize %d or replica %d out of the documented range 0..%d", id, cl.CUSize, cl.Replica, workloads.MaxCUs)
	}
	return cl, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *Client) keySource() string {
	if c.KeySource == "" {
		return "the workload"
	}
	return c.KeySource
}

// scrub removes the API key from s and makes it one line.
func (c *Client) scrub(s string) string {
	if c.APIKey != "" {
		s = strings.ReplaceAll(s, c.APIKey, "[API key]")
	}
	return oneLine(s, 1000)
}

func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return s
}

// Spec maps the answer to the workload's cluster description.
func (cl Cluster) Spec() workloads.ClusterSpec {
	s := workloads.ClusterSpec{
		ClusterID: cl.ClusterID, Name: cl.ClusterName, Region: cl.RegionID,
		Plan: strings.ToLower(cl.Plan), CUType: cuType(cl.CUType, cl.ClusterType),
		CUs: cl.CUSize, Replicas: cl.Replica, Source: workloads.ClusterFromControlPlane,
	}
	if s.CUs > 0 && s.Replicas == 0 {
		s.Replicas = 1
	}
	return s
}

// cuType maps the control plane's CU type names (Performance-optimized,
// Capacity-optimized, Tiered-storage, formerly Extended-capacity) to the
// workload's; an unknown name is kept, in lower case.
func cuType(names ...string) string {
	for _, n := range names {
		switch strings.ToLower(n) {
		case "":
			continue
		case "performance-optimized":
			return workloads.CUPerformance
		case "capacity-optimized":
			return workloads.CUCapacity
		case "tiered-storage", "extended-capacity":
			return workloads.CUTiered
		default:
			return strings.ToLower(n)
		}
	}
	return ""
}

// Resolve reads the cluster spec.ClusterID names from the control plane at
// spec.ControlURL, with the key from spec.APIKey or spec.APIKeyFile, and
// returns spec filled in from the answer (Source "control plane"; the key
// itself is not carried over), and the answer itself (for its status).
func Resolve(ctx context.Context, spec workloads.ClusterSpec, timeout time.Duration) (workloads.ClusterSpec, Cluster, error) {
	key := spec.APIKey
	if spec.APIKeyFile != "" {
		var err error
		if key, err = readKey(spec.APIKeyFile); err != nil {
			return spec, Cluster{}, err
		}
	}
	c := &Client{BaseURL: spec.ControlURL, APIKey: key, KeySource: spec.APIKeySrc, Timeout: timeout}
	if c.BaseURL == "" {
		c.BaseURL = workloads.DefaultControlURL
	}
	cl, err := c.DescribeCluster(ctx, spec.ClusterID)
	if err != nil {
		return spec, cl, err
	}
	out := cl.Spec()
	out.APIKeyFile, out.APIKeySrc, out.ControlURL = spec.APIKeyFile, spec.APIKeySrc, c.BaseURL
	return out, cl, nil
}

// readKey reads an API key file (~/ is the home directory): its first and
// only word.
func readKey(path string) (string, error) {
	path = workloads.ExpandHome(path)
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cluster.api_key_file: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if !workloads.PlausibleAPIKey(key) {
		return "", fmt.Errorf("cluster.api_key_file: %s does not hold one API key (empty, or several words or control characters)", path)
	}
	return key, nil
}

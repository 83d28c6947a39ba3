package workloads

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// TargetSpec names the system under test and how to reach it.
type TargetSpec struct {
	Kind string `json:"kind"`
	// Milvus / Zilliz Cloud connection (kind: milvus).
	URI string `json:"uri,omitempty"`
	// Token is an API key or user:password. It is never encoded into results.
	Token     string `json:"-"`
	TokenFile string `json:"token_file,omitempty"`
	// TokenSource says where the token came from (field, file or variable
	// name), never the token itself.
	TokenSource string `json:"token_source,omitempty"`
	// CAFile is a PEM file of CA certificates trusted for an https:// uri
	// (instead of the system roots); ServerName is the name the server's
	// certificate must hold when it differs from the uri's host.
	CAFile     string `json:"ca_file,omitempty"`
	ServerName string `json:"server_name,omitempty"`
	DB         string `json:"db,omitempty"`
	// Collection overrides the default collection name milvbench_<name>.
	Collection string `json:"collection,omitempty"`
	// Connections is the number of gRPC connections; 0 sizes it from the
	// plan: its highest concurrency, at most 4 (see targets.Connections).
	Connections    int      `json:"connections,omitempty"`
	ConnectTimeout Duration `json:"connect_timeout,omitempty"`
	RequestTimeout Duration `json:"request_timeout,omitempty"`
	BuildTimeout   Duration `json:"build_timeout,omitempty"`
	// Consistency is the search consistency level (default bounded).
	Consistency string `json:"consistency,omitempty"`
	// MetricsURL is the server's Prometheus metrics endpoint (Milvus:
	// http://HOST:9091/metrics); when set, trials record the server's
	// memory, CPU and proxy search rates and latency every interval.
	MetricsURL string `json:"metrics_url,omitempty"`
}

// ExpandHome replaces a leading "~/" in a file path (token_file, ca_file,
// api_key_file) with the user's home directory, as a shell would; other
// paths, and any path when the home directory is unknown, are returned as
// given.
func ExpandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return path
}

// Consistency levels, as Milvus names them.
var consistencyLevels = []string{"strong", "bounded", "session", "eventually"}

func (d *decoder) target(t *TargetSpec) fieldFunc {
	return func(n *yaml.Node, p string) error {
		return d.mapping(n, p, map[string]fieldFunc{
			"kind":            d.oneOf(&t.Kind, TargetEmbedded, TargetMilvus),
			"uri":             d.str(&t.URI),
			"token":           d.secret(&t.Token, &t.TokenSource, "MILVUS_TOKEN", "target.token_file"),
			"token_file":      d.str(&t.TokenFile),
			"ca_file":         d.str(&t.CAFile),
			"server_name":     d.str(&t.ServerName),
			"db":              d.str(&t.DB),
			"collection":      d.str(&t.Collection),
			"connections":     d.integer(&t.Connections),
			"connect_timeout": d.duration(&t.ConnectTimeout),
			"request_timeout": d.duration(&t.RequestTimeout),
			"build_timeout":   d.duration(&t.BuildTimeout),
			"consistency":     d.oneOf(&t.Consistency, consistencyLevels...),
			"metrics_url":     d.str(&t.MetricsURL),
		}, "kind")
	}
}

// resolveTarget applies the target's defaults, fills uri and token from the
// environment (MILVUS_URI/MILVUS_TOKEN, then ZILLIZ_URI/ZILLIZ_TOKEN) and
// checks the values.
func resolveTarget(file string, t *TargetSpec, env LookupEnv, lines map[string]int) error {
	e := func(field, format string, args ...any) error {
		line, ok := lines["target."+field]
		if !ok {
			line = lines["target"] // a missing key: point at the section
		}
		return &Error{File: file, Line: line, Field: "target." + field, Msg: fmt.Sprintf(format, args...)}
	}
	if t.Kind != TargetMilvus {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"uri", t.URI != ""}, {"token", t.Token != ""}, {"token_file", t.TokenFile != ""}, {"db", t.DB != ""},
			{"ca_file", t.CAFile != ""}, {"server_name", t.ServerName != ""},
			{"collection", t.Collection != ""}, {"connections", t.Connections != 0}, {"consistency", t.Consistency != ""},
			{"connect_timeout", t.ConnectTimeout != 0}, {"request_timeout", t.RequestTimeout != 0}, {"build_timeout", t.BuildTimeout != 0},
			{"metrics_url", t.MetricsURL != ""},
		} {
			if f.set {
				return e(f.name, "only applies to kind: milvus")
			}
		}
		return nil
	}
	if t.URI == "" {
		for _, name := range []string{"MILVUS_URI", "ZILLIZ_URI"} {
			if v, ok := env(name); ok && v != "" {
				t.URI = v
				break
			}
		}
	}
	if t.URI == "" {
		return e("uri", "is missing: set target.uri or the MILVUS_URI (or ZILLIZ_URI) environment variable, e.g. http://127.0.0.1:19530")
	}
	if err := checkURI(t.URI); err != "" {
		return e("uri", "%q %s", t.URI, err)
	}
	for _, f := range []struct{ name, v string }{{"ca_file", t.CAFile}, {"server_name", t.ServerName}} {
		if f.v != "" && !strings.HasPrefix(strings.ToLower(t.URI), "https://") {
			return e(f.name, "applies to TLS connections only: use an https:// uri (uri is %q)", t.URI)
		}
	}
	if t.ServerName != "" && !serverNameRE.MatchString(t.ServerName) {
		return e("server_name", "%q is not a host name (letters, digits, '-' and '.')", t.ServerName)
	}
	switch {
	case t.Token != "" && t.TokenFile != "":
		return e("token_file", "give either token or token_file, not both")
	case t.Token != "":
		// TokenSource was set while decoding: a variable or a literal.
	case t.TokenFile != "":
		t.TokenSource = "file " + t.TokenFile
	default:
		for _, name := range []string{"MILVUS_TOKEN", "ZILLIZ_TOKEN"} {
			if v, ok := env(name); ok && v != "" {
				t.Token, t.TokenSource = v, "env "+name
				break
			}
		}
	}
	if t.MetricsURL != "" {
		u, err := url.Parse(t.MetricsURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return e("metrics_url", "%q is not an http(s) URL (Milvus serves its metrics at http://HOST:9091/metrics)", t.MetricsURL)
		}
		if u.User != nil {
			return e("metrics_url", "must not carry credentials (it is recorded in results)")
		}
	}
	if t.Collection != "" && !nameRE.MatchString(t.Collection) {
		return e("collection", "%q is not a valid collection name: a letter then up to 63 letters, digits or _", t.Collection)
	}
	if t.Connections < 0 || t.Connections > 256 {
		return e("connections", "%d is out of range (allowed 0..256; 0 sizes the pool from the plan: its highest concurrency, at most 4)", t.Connections)
	}
	if t.Consistency == "" {
		t.Consistency = "bounded"
	}
	if t.ConnectTimeout == 0 {
		t.ConnectTimeout = Duration(10 * time.Second)
	}
	if t.RequestTimeout == 0 {
		t.RequestTimeout = Duration(30 * time.Second)
	}
	if t.BuildTimeout == 0 {
		t.BuildTimeout = Duration(2 * time.Hour)
	}
	return nil
}

var serverNameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$`)

func checkURI(s string) string {
	if !strings.Contains(s, "://") {
		s = "tcp://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "is not an address (use http://host:port, https://host:port or host:port)"
	}
	switch u.Scheme {
	case "http", "https", "tcp":
	default:
		return "has scheme " + u.Scheme + " (allowed: http for plaintext, https for TLS)"
	}
	if u.User != nil {
		return "must not carry credentials; use target.token, token_file or MILVUS_TOKEN"
	}
	return ""
}

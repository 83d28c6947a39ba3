package workloads

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Zilliz Cloud plans (cluster.plan), as the control plane's Describe Cluster
// names them (Free, Serverless, Standard, Enterprise), in lower case.
// Standard and Enterprise are the plans of dedicated clusters.
const (
	PlanFree       = "free"
	PlanServerless = "serverless"
	PlanStandard   = "standard"
	PlanEnterprise = "enterprise"
	// PlanBusinessCritical is the dedicated plan above Enterprise; the
	// pricing table carries it, but milvbench found no published price
	// or limit for it (tuner/pricing/zilliz-cloud.yaml, notes).
	PlanBusinessCritical = "business_critical"
)

// Zilliz Cloud CU types (cluster.cu_type): Performance-optimized,
// Capacity-optimized and Tiered-storage.
const (
	CUPerformance = "performance"
	CUCapacity    = "capacity"
	CUTiered      = "tiered"
)

// Where a ClusterSpec's values came from (ClusterSpec.Source).
const (
	ClusterFromWorkload     = "workload"
	ClusterFromControlPlane = "control plane"
	ClusterFromHost         = "host"
)

// Zilliz Cloud limits the cluster section checks: a dedicated cluster has
// 1..256 CUs, CUs × replicas ≤ 256, and replicas above 1 need at least 8 CUs
// (and an Enterprise project).
const (
	MaxCUs             = 256
	MinCUsWithReplicas = 8
)

// DefaultControlURL is the Zilliz Cloud control plane (REST API v2), the
// same endpoint for every cloud region.
const DefaultControlURL = "https://api.cloud.zilliz.com"

// APIKeyEnv is the environment variable the control-plane API key is read
// from when cluster_id is set and the workload gives no key.
const APIKeyEnv = "ZILLIZ_API_KEY"

var (
	clusterIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)
	wholeEnvRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)
)

// cluster decodes and checks the cluster section; the control-plane lookup
// itself happens when a run starts (package cloud/zilliz).
func (d *decoder) cluster(c *ClusterSpec) fieldFunc {
	return func(n *yaml.Node, p string) error {
		err := d.mapping(n, p, map[string]fieldFunc{
			"plan":         d.oneOf(&c.Plan, PlanFree, PlanServerless, PlanStandard, PlanEnterprise),
			"cu_type":      d.oneOf(&c.CUType, CUPerformance, CUCapacity, CUTiered),
			"cus":          d.integer(&c.CUs),
			"replicas":     d.integer(&c.Replicas),
			"cores":        d.integer(&c.Cores),
			"memory_gib":   d.float(&c.MemoryGiB),
			"cluster_id":   d.str(&c.ClusterID),
			"api_key":      d.secret(&c.APIKey, &c.APIKeySrc, APIKeyEnv, "cluster.api_key_file"),
			"api_key_file": d.str(&c.APIKeyFile),
			"control_url":  d.str(&c.ControlURL),
		})
		if err != nil {
			return err
		}
		return checkCluster(d.file, c, d.env, d.lines)
	}
}

// checkCluster applies the section's rules and defaults: a Zilliz Cloud
// cluster is described either by its values (plan, cu_type, cus, replicas)
// or by cluster_id and an API key; self-hosted Milvus by cores and memory.
func checkCluster(file string, c *ClusterSpec, env LookupEnv, lines map[string]int) error {
	e := func(field, format string, args ...any) error {
		return &Error{File: file, Line: lines["cluster."+field], Field: "cluster." + field, Msg: fmt.Sprintf(format, args...)}
	}
	cloud := []keySet{{"plan", c.Plan != ""}, {"cu_type", c.CUType != ""}, {"cus", c.CUs != 0}, {"replicas", c.Replicas != 0}}
	for _, s := range []keySet{{"cores", c.Cores != 0}, {"memory_gib", c.MemoryGiB != 0}} {
		if !s.set {
			continue
		}
		for _, z := range append(cloud, keySet{"cluster_id", c.ClusterID != ""}) {
			if z.set {
				return e(s.name, "describes self-hosted Milvus, but cluster.%s describes a Zilliz Cloud cluster: give cores and memory_gib, or the Zilliz Cloud keys (plan, cu_type, cus, replicas, or cluster_id)", z.name)
			}
		}
	}
	if c.ClusterID == "" {
		for _, f := range []keySet{{"api_key", c.APIKeySrc != ""}, {"api_key_file", c.APIKeyFile != ""}, {"control_url", c.ControlURL != ""}} {
			if f.set {
				return e(f.name, "only applies with cluster.cluster_id (reading the cluster from the Zilliz Cloud control plane)")
			}
		}
	}
	switch {
	case c.ClusterID != "":
		return checkControlPlane(c, env, e, cloud)
	case c.Cores != 0 || c.MemoryGiB != 0:
		if c.Cores < 1 || c.Cores > 1<<16 {
			return e("cores", "%d is out of range (allowed 1..65536; the cores of the machines serving Milvus)", c.Cores)
		}
		if c.MemoryGiB < 0 || c.MemoryGiB > 1<<20 {
			return e("memory_gib", "%g is out of range (allowed 0 < memory_gib ≤ 1048576)", c.MemoryGiB)
		}
		c.Source = ClusterFromWorkload
	case c.Plan != "" || c.CUType != "" || c.CUs != 0 || c.Replicas != 0:
		if err := checkCloudValues(c, e); err != nil {
			return err
		}
		c.Source = ClusterFromWorkload
	}
	return nil
}

// checkCloudValues checks a Zilliz Cloud cluster given by its values.
func checkCloudValues(c *ClusterSpec, e func(field, format string, args ...any) error) error {
	if c.Plan == PlanFree || c.Plan == PlanServerless {
		for _, f := range []keySet{{"cu_type", c.CUType != ""}, {"cus", c.CUs != 0}, {"replicas", c.Replicas != 0}} {
			if f.set {
				return e(f.name, "does not apply to plan %s: free and serverless clusters have no CUs of their own (plans with CUs: standard, enterprise)", c.Plan)
			}
		}
		return nil
	}
	if c.Replicas != 0 && c.CUs == 0 {
		return e("replicas", "needs cluster.cus: replicas multiply a dedicated cluster's CUs")
	}
	if c.CUs == 0 {
		field := "cu_type"
		if c.CUType == "" {
			field = "plan"
		}
		return e(field, "needs cluster.cus (1..%d): the CU count of the dedicated cluster measured", MaxCUs)
	}
	if c.CUs < 1 || c.CUs > MaxCUs {
		return e("cus", "%d is out of range (Zilliz Cloud allows 1..%d CUs per cluster)", c.CUs, MaxCUs)
	}
	if c.CUType == "" {
		return e("cus", "needs cluster.cu_type (performance, capacity or tiered): throughput per CU depends on it")
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	switch {
	case c.Replicas < 1 || c.CUs*c.Replicas > MaxCUs:
		return e("replicas", "%d is out of range (allowed 1..%d: Zilliz Cloud allows CUs × replicas ≤ %d)", c.Replicas, MaxCUs/c.CUs, MaxCUs)
	case c.Replicas > 1 && c.CUs < MinCUsWithReplicas:
		return e("replicas", "%d needs at least %d CUs (cluster.cus is %d): Zilliz Cloud adds replicas only to clusters of %d CUs or more", c.Replicas, MinCUsWithReplicas, c.CUs, MinCUsWithReplicas)
	case c.Replicas > 1 && c.Plan == PlanStandard:
		return e("replicas", "%d needs plan enterprise: Zilliz Cloud offers replicas only in Enterprise projects", c.Replicas)
	}
	return nil
}

// checkControlPlane checks cluster_id, the API key's source and the control
// URL; the values themselves come from the control plane.
func checkControlPlane(c *ClusterSpec, env LookupEnv, e func(field, format string, args ...any) error, cloud []keySet) error {
	for _, f := range cloud {
		if f.set {
			return e(f.name, "is read from the control plane when cluster.cluster_id is set: remove it (or cluster_id to give the values yourself)")
		}
	}
	if !clusterIDRE.MatchString(c.ClusterID) {
		return e("cluster_id", "%q is not a Zilliz Cloud cluster ID (letters, digits and -, e.g. in01-0123456789abcdef)", c.ClusterID)
	}
	switch {
	case c.APIKeySrc != "" && c.APIKeyFile != "":
		return e("api_key_file", "give either api_key or api_key_file, not both")
	case c.APIKeySrc != "":
		if c.APIKey == "" {
			return e("api_key", "is empty (from %s)", c.APIKeySrc)
		}
		if !PlausibleAPIKey(c.APIKey) {
			return e("api_key", "contains spaces or control characters (from %s): an API key is one printable word", c.APIKeySrc)
		}
	case c.APIKeyFile != "":
		c.APIKeySrc = "file " + c.APIKeyFile
	default:
		v, ok := env(APIKeyEnv)
		if !ok || v == "" {
			return e("cluster_id", "needs a Zilliz Cloud control-plane API key: set cluster.api_key (e.g. ${%s}), cluster.api_key_file, or the %s environment variable", APIKeyEnv, APIKeyEnv)
		}
		if !PlausibleAPIKey(v) {
			return e("cluster_id", "needs a control-plane API key, and %s contains spaces or control characters", APIKeyEnv)
		}
		c.APIKey, c.APIKeySrc = v, "env "+APIKeyEnv
	}
	if c.ControlURL == "" {
		c.ControlURL = DefaultControlURL
	}
	u, err := url.Parse(c.ControlURL)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return e("control_url", "%q is not an http(s) URL (default %s)", c.ControlURL, DefaultControlURL)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return e("control_url", "must be a plain http(s) URL without credentials, query or fragment; the API key goes in api_key, api_key_file or %s", APIKeyEnv)
	}
	c.ControlURL = strings.TrimRight(c.ControlURL, "/")
	return nil
}

// PlausibleAPIKey reports whether s can be sent as a bearer token: one word
// of printable ASCII (an API key read from a file is checked with it too).
func PlausibleAPIKey(s string) bool {
	return s != "" && !slices.ContainsFunc([]byte(s), func(b byte) bool { return b <= ' ' || b >= 0x7f })
}

// keySet is a key of the section and whether the file set it.
type keySet struct {
	name string
	set  bool
}

// Describe is the cluster in one line, for progress, validate and the
// report; it never contains the API key, only where it came from.
func (c ClusterSpec) Describe() string {
	var what string
	switch {
	case c.Cores != 0:
		what = fmt.Sprintf("%d cores", c.Cores)
		if c.MemoryGiB > 0 {
			what += fmt.Sprintf(", %.1f GiB memory", c.MemoryGiB)
		}
		if c.Source == ClusterFromHost {
			what = "this host: " + what
		} else {
			what = "self-hosted Milvus: " + what
		}
	case c.Plan != "" || c.CUs != 0 || c.ClusterID != "":
		what = "Zilliz Cloud"
		if c.ClusterID != "" {
			what += " " + c.ClusterID
		}
		var where []string
		for _, s := range []string{c.Name, c.Region} {
			if s != "" {
				where = append(where, s)
			}
		}
		if len(where) > 0 {
			what += " (" + strings.Join(where, ", ") + ")"
		}
		var parts []string
		if c.Plan != "" {
			parts = append(parts, c.Plan+" plan")
		}
		if c.CUs != 0 {
			cu := fmt.Sprintf("%d %s CU", c.CUs, c.CUType)
			if c.CUs != 1 {
				cu += "s"
			}
			if c.Replicas > 1 {
				cu += fmt.Sprintf(" × %d replicas", c.Replicas)
			}
			parts = append(parts, cu)
		}
		if len(parts) > 0 {
			what += ": " + strings.Join(parts, ", ")
		}
	default:
		return "not described (add a cluster section: cores and memory_gib, or plan, cu_type, cus and replicas, or cluster_id)"
	}
	src := c.Source
	if src == "" {
		src = "not yet resolved"
	}
	if c.ClusterID != "" {
		src += " " + c.ControlURL
		if c.APIKeySrc != "" {
			src += ", API key from " + c.APIKeySrc
		}
	}
	return what + " [" + src + "]"
}

package workloads

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// clusterMalformed are the testdata/bad files of the cluster section, with
// their exact errors; TestMalformed checks them with the rest.
var clusterMalformed = map[string]string{
	"cluster_control_url_credentials.yaml": `testdata/bad/cluster_control_url_credentials.yaml:7: cluster.control_url: must be a plain http(s) URL without credentials, query or fragment; the API key goes in api_key, api_key_file or ZILLIZ_API_KEY`,
	"cluster_cores_with_cu_type.yaml":      `testdata/bad/cluster_cores_with_cu_type.yaml:7: cluster.cores: describes self-hosted Milvus, but cluster.cu_type describes a Zilliz Cloud cluster: give cores and memory_gib, or the Zilliz Cloud keys (plan, cu_type, cus, replicas, or cluster_id)`,
	"cluster_cu_type_unknown.yaml":         `testdata/bad/cluster_cu_type_unknown.yaml:5: cluster.cu_type: "gpu" is not allowed (allowed: performance, capacity, tiered)`,
	"cluster_cus_range.yaml":               `testdata/bad/cluster_cus_range.yaml:7: cluster.cus: 300 is out of range (Zilliz Cloud allows 1..256 CUs per cluster)`,
	"cluster_id_with_cus.yaml":             `testdata/bad/cluster_id_with_cus.yaml:7: cluster.cus: is read from the control plane when cluster.cluster_id is set: remove it (or cluster_id to give the values yourself)`,
	"cluster_id_without_key.yaml":          `testdata/bad/cluster_id_without_key.yaml:5: cluster.cluster_id: needs a Zilliz Cloud control-plane API key: set cluster.api_key (e.g. ${ZILLIZ_API_KEY}), cluster.api_key_file, or the ZILLIZ_API_KEY environment variable`,
	"cluster_key_without_id.yaml":          `testdata/bad/cluster_key_without_id.yaml:5: cluster.api_key_file: only applies with cluster.cluster_id (reading the cluster from the Zilliz Cloud control plane)`,
	"cluster_replicas_few_cus.yaml":        `testdata/bad/cluster_replicas_few_cus.yaml:8: cluster.replicas: 2 needs at least 8 CUs (cluster.cus is 4): Zilliz Cloud adds replicas only to clusters of 8 CUs or more`,
	"cluster_replicas_without_cus.yaml":    `testdata/bad/cluster_replicas_without_cus.yaml:6: cluster.replicas: needs cluster.cus: replicas multiply a dedicated cluster's CUs`,
	"cluster_serverless_cus.yaml":          `testdata/bad/cluster_serverless_cus.yaml:6: cluster.cus: does not apply to plan serverless: free and serverless clusters have no CUs of their own (plans with CUs: standard, enterprise)`,
}

const fakeKey = "zc-FAKE-0123456789abcdef"

// TestCluster decodes valid and invalid cluster sections: defaults, where
// the values and the API key come from, and the one-line errors of rules
// the testdata/bad files do not cover.
func TestCluster(t *testing.T) {
	base := "name: c\ndataset: {size: 100, dim: 8}\nindexes: [{type: FLAT}]\ncluster:\n"
	env := map[string]string{"MY_KEY": fakeKey, APIKeyEnv: fakeKey, "SPACED": "two words"}
	tests := []struct {
		name    string
		section string
		env     []string // names visible in the environment
		want    ClusterSpec
		err     string
	}{
		{name: "cloud values", section: "  plan: enterprise\n  cu_type: capacity\n  cus: 8\n  replicas: 2\n",
			want: ClusterSpec{Plan: PlanEnterprise, CUType: CUCapacity, CUs: 8, Replicas: 2, Source: ClusterFromWorkload}},
		{name: "replicas default to 1", section: "  cu_type: tiered\n  cus: 16\n",
			want: ClusterSpec{CUType: CUTiered, CUs: 16, Replicas: 1, Source: ClusterFromWorkload}},
		{name: "serverless", section: "  plan: serverless\n",
			want: ClusterSpec{Plan: PlanServerless, Source: ClusterFromWorkload}},
		{name: "self-hosted", section: "  cores: 16\n  memory_gib: 64\n",
			want: ClusterSpec{Cores: 16, MemoryGiB: 64, Source: ClusterFromWorkload}},
		{name: "key from a variable", section: "  cluster_id: in01-abc\n  api_key: ${MY_KEY}\n", env: []string{"MY_KEY"},
			want: ClusterSpec{ClusterID: "in01-abc", APIKey: fakeKey, APIKeySrc: "env MY_KEY (cluster.api_key)", ControlURL: DefaultControlURL}},
		{name: "key from ZILLIZ_API_KEY", section: "  cluster_id: in01-abc\n", env: []string{APIKeyEnv},
			want: ClusterSpec{ClusterID: "in01-abc", APIKey: fakeKey, APIKeySrc: "env ZILLIZ_API_KEY", ControlURL: DefaultControlURL}},
		{name: "key file", section: "  cluster_id: in01-abc\n  api_key_file: /run/secrets/zilliz\n  control_url: http://127.0.0.1:9/\n",
			want: ClusterSpec{ClusterID: "in01-abc", APIKeyFile: "/run/secrets/zilliz", APIKeySrc: "file /run/secrets/zilliz", ControlURL: "http://127.0.0.1:9"}},
		{name: "empty section", section: "  {}\n", want: ClusterSpec{}},

		{name: "cu_type without cus", section: "  cu_type: performance\n",
			err: "w.yaml:5: cluster.cu_type: needs cluster.cus (1..256): the CU count of the dedicated cluster measured"},
		{name: "cus without cu_type", section: "  cus: 2\n",
			err: "w.yaml:5: cluster.cus: needs cluster.cu_type (performance, capacity or tiered): throughput per CU depends on it"},
		{name: "CUs times replicas", section: "  plan: enterprise\n  cu_type: performance\n  cus: 64\n  replicas: 5\n",
			err: "w.yaml:8: cluster.replicas: 5 is out of range (allowed 1..4: Zilliz Cloud allows CUs × replicas ≤ 256)"},
		{name: "replicas on standard", section: "  plan: standard\n  cu_type: performance\n  cus: 8\n  replicas: 2\n",
			err: "w.yaml:8: cluster.replicas: 2 needs plan enterprise: Zilliz Cloud offers replicas only in Enterprise projects"},
		{name: "dedicated is not a plan", section: "  plan: dedicated\n",
			err: `w.yaml:5: cluster.plan: "dedicated" is not allowed (allowed: free, serverless, standard, enterprise)`},
		{name: "memory with cluster_id", section: "  cluster_id: in01-abc\n  memory_gib: 8\n", env: []string{APIKeyEnv},
			err: "w.yaml:6: cluster.memory_gib: describes self-hosted Milvus, but cluster.cluster_id describes a Zilliz Cloud cluster: give cores and memory_gib, or the Zilliz Cloud keys (plan, cu_type, cus, replicas, or cluster_id)"},
		{name: "zero cores", section: "  cores: 0\n  memory_gib: 8\n",
			err: "w.yaml:5: cluster.cores: 0 is out of range (allowed 1..65536; the cores of the machines serving Milvus)"},
		{name: "bad cluster id", section: "  cluster_id: ../../v2/projects\n", env: []string{APIKeyEnv},
			err: `w.yaml:5: cluster.cluster_id: "../../v2/projects" is not a Zilliz Cloud cluster ID (letters, digits and -, e.g. in01-0123456789abcdef)`},
		{name: "key and key file", section: "  cluster_id: in01-abc\n  api_key: ${MY_KEY}\n  api_key_file: k\n", env: []string{"MY_KEY"},
			err: "w.yaml:7: cluster.api_key_file: give either api_key or api_key_file, not both"},
		{name: "key with spaces", section: "  cluster_id: in01-abc\n  api_key: ${SPACED}\n", env: []string{"SPACED"},
			err: "w.yaml:6: cluster.api_key: contains spaces or control characters (from env SPACED (cluster.api_key)): an API key is one printable word"},
		{name: "control url scheme", section: "  cluster_id: in01-abc\n  control_url: ftp://x\n", env: []string{APIKeyEnv},
			err: `w.yaml:6: cluster.control_url: "ftp://x" is not an http(s) URL (default https://api.cloud.zilliz.com)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(name string) (string, bool) {
				for _, n := range tt.env {
					if n == name {
						return env[name], true
					}
				}
				return "", false
			}
			spec, err := Parse("w.yaml", []byte(base+tt.section), lookup)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error\n got: %v\nwant: %s", err, tt.err)
				}
				if strings.Contains(err.Error(), fakeKey) {
					t.Errorf("error shows the API key: %s", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(spec.Cluster, tt.want) {
				t.Errorf("cluster\n got %+v\nwant %+v", spec.Cluster, tt.want)
			}
			js, err := json.Marshal(spec)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(js), fakeKey) {
				t.Errorf("the encoded workload contains the API key: %s", js)
			}
			if d := spec.Cluster.Describe(); strings.Contains(d, fakeKey) {
				t.Errorf("Describe shows the API key: %s", d)
			}
		})
	}
}

func TestClusterDescribe(t *testing.T) {
	tests := []struct {
		c    ClusterSpec
		want string
	}{
		{ClusterSpec{Cores: 2, MemoryGiB: 7.75, Source: ClusterFromHost}, "this host: 2 cores, 7.8 GiB memory [host]"},
		{ClusterSpec{Cores: 16, Source: ClusterFromWorkload}, "self-hosted Milvus: 16 cores [workload]"},
		{ClusterSpec{Plan: PlanStandard, CUType: CUPerformance, CUs: 1, Replicas: 1, Source: ClusterFromWorkload},
			"Zilliz Cloud: standard plan, 1 performance CU [workload]"},
		{ClusterSpec{ClusterID: "in01-abc", Name: "prod", Region: "aws-us-west-2", Plan: PlanEnterprise, CUType: CUCapacity, CUs: 8, Replicas: 2,
			Source: ClusterFromControlPlane, ControlURL: DefaultControlURL, APIKey: fakeKey, APIKeySrc: "env ZILLIZ_API_KEY"},
			"Zilliz Cloud in01-abc (prod, aws-us-west-2): enterprise plan, 8 capacity CUs × 2 replicas [control plane https://api.cloud.zilliz.com, API key from env ZILLIZ_API_KEY]"},
		{ClusterSpec{}, "not described (add a cluster section: cores and memory_gib, or plan, cu_type, cus and replicas, or cluster_id)"},
	}
	for _, tt := range tests {
		if got := tt.c.Describe(); got != tt.want {
			t.Errorf("Describe\n got %s\nwant %s", got, tt.want)
		}
	}
}

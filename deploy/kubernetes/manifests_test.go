// Package kubernetes holds the example manifests of a scale-out run on
// Kubernetes (an Indexed Job of generators) and the test that validates
// them against the Kubernetes API types and milvbench's own CLI.
package kubernetes

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/milvbench/milvbench/bench"
	"github.com/milvbench/milvbench/workloads"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// manifests decodes every YAML document in this directory strictly into
// its Kubernetes API type: an unknown or misspelt field, a wrong type or
// an unknown kind fails.
type manifests struct {
	jobs       map[string]*batchv1.Job
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
}

func load(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	m := manifests{jobs: map[string]*batchv1.Job{}, configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(data, []byte("\n---\n")) {
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			var obj interface{ GetName() string }
			switch meta.APIVersion + " " + meta.Kind {
			case "batch/v1 Job":
				obj = &batchv1.Job{}
			case "v1 ConfigMap":
				obj = &corev1.ConfigMap{}
			case "v1 Secret":
				obj = &corev1.Secret{}
			default:
				t.Fatalf("%s document %d: unexpected %s %s", f, i+1, meta.APIVersion, meta.Kind)
			}
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				t.Fatalf("%s document %d (%s): %v", f, i+1, meta.Kind, err)
			}
			if obj.GetName() == "" {
				t.Fatalf("%s document %d: %s without a name", f, i+1, meta.Kind)
			}
			switch o := obj.(type) {
			case *batchv1.Job:
				m.jobs[o.Name] = o
			case *corev1.ConfigMap:
				m.configMaps[o.Name] = o
			case *corev1.Secret:
				m.secrets[o.Name] = o
			}
		}
	}
	return m
}

// stateConfigMap is made by `kubectl create configmap` from prepare's state
// line (README steps), so no manifest defines it.
const stateConfigMap = "milvbench-state"

var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

func TestManifests(t *testing.T) {
	m := load(t)
	for _, name := range []string{"milvbench-prepare", "milvbench-shards", "milvbench-cleanup"} {
		if m.jobs[name] == nil {
			t.Fatalf("no Job %s", name)
		}
	}
	if m.configMaps["milvbench-workload"] == nil || m.secrets["milvbench-token"] == nil {
		t.Fatal("the workload ConfigMap or the token Secret is missing")
	}
	bin := buildMilvbench(t)
	for name, job := range m.jobs {
		pod := job.Spec.Template.Spec
		if pod.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("%s: restartPolicy %q, want Never (a restarted generator would run outside its slots)", name, pod.RestartPolicy)
		}
		if len(pod.Containers) != 1 {
			t.Fatalf("%s: %d containers, want 1", name, len(pod.Containers))
		}
		c := pod.Containers[0]
		env := map[string]corev1.EnvVar{}
		for _, e := range c.Env {
			env[e.Name] = e
		}
		// The token only ever comes from the Secret.
		tok, ok := env["MILVUS_TOKEN"]
		if !ok || tok.Value != "" || tok.ValueFrom == nil || tok.ValueFrom.SecretKeyRef == nil ||
			m.secrets[tok.ValueFrom.SecretKeyRef.Name] == nil || m.secrets[tok.ValueFrom.SecretKeyRef.Name].StringData[tok.ValueFrom.SecretKeyRef.Key] == "" {
			t.Errorf("%s: MILVUS_TOKEN must come from a key of the Secret", name)
		}
		for _, e := range c.Env {
			if r := e.ValueFrom; r != nil && r.ConfigMapKeyRef != nil {
				if cm := m.configMaps[r.ConfigMapKeyRef.Name]; r.ConfigMapKeyRef.Name != stateConfigMap && (cm == nil || cm.Data[r.ConfigMapKeyRef.Key] == "") {
					t.Errorf("%s: env %s reads key %s of ConfigMap %s, which no manifest holds", name, e.Name, r.ConfigMapKeyRef.Key, r.ConfigMapKeyRef.Name)
				}
			}
		}
		// Every $(VAR) in args names an env var of the container:
		// Kubernetes leaves unknown references as they are.
		for _, a := range c.Args {
			for _, ref := range varRef.FindAllStringSubmatch(a, -1) {
				if _, ok := env[ref[1]]; !ok {
					t.Errorf("%s: argument %q refers to $(%s), which the container does not define", name, a, ref[1])
				}
			}
		}
		// Every mount has its volume; every file argument lies on a mount.
		vols := map[string]corev1.Volume{}
		for _, v := range pod.Volumes {
			vols[v.Name] = v
			if cm := v.ConfigMap; cm != nil && cm.Name != stateConfigMap {
				for _, it := range cm.Items {
					if _, ok := m.configMaps[cm.Name].Data[it.Key]; !ok {
						t.Errorf("%s: volume %s wants key %s of ConfigMap %s, which it does not hold", name, v.Name, it.Key, cm.Name)
					}
				}
			}
		}
		var mounts []string
		for _, vm := range c.VolumeMounts {
			if _, ok := vols[vm.Name]; !ok {
				t.Errorf("%s: mount of undefined volume %s", name, vm.Name)
			}
			mounts = append(mounts, vm.MountPath)
		}
		for _, a := range c.Args {
			if strings.HasPrefix(a, "/") && !slices.ContainsFunc(mounts, func(p string) bool { return strings.HasPrefix(a, p+"/") || a == p }) {
				t.Errorf("%s: path %s is on no mounted volume (the root filesystem is read-only)", name, a)
			}
		}
		checkFlags(t, bin, name, c.Args)
	}

	shards := m.jobs["milvbench-shards"].Spec
	if shards.CompletionMode == nil || *shards.CompletionMode != batchv1.IndexedCompletion {
		t.Fatal("milvbench-shards: completionMode must be Indexed (the completion index is the shard)")
	}
	if shards.Completions == nil || shards.Parallelism == nil || *shards.Completions != *shards.Parallelism {
		t.Fatal("milvbench-shards: completions and parallelism must be equal: every shard runs at once")
	}
	if shards.BackoffLimit == nil || *shards.BackoffLimit != 0 {
		t.Error("milvbench-shards: backoffLimit must be 0: a retried shard misses its trial slots")
	}
	c := shards.Template.Spec.Containers[0]
	i := slices.Index(c.Args, "--shard")
	if i < 0 || i+1 >= len(c.Args) {
		t.Fatal("milvbench-shards: no --shard argument")
	}
	want := "$(SHARD)/" + strconv.Itoa(int(*shards.Completions))
	if c.Args[i+1] != want {
		t.Errorf("milvbench-shards: --shard %s, want %s (N must match completions)", c.Args[i+1], want)
	}
	var shard *corev1.EnvVar
	for k := range c.Env {
		if c.Env[k].Name == "SHARD" {
			shard = &c.Env[k]
		}
	}
	if shard == nil || shard.ValueFrom == nil || shard.ValueFrom.FieldRef == nil ||
		shard.ValueFrom.FieldRef.FieldPath != "metadata.annotations['"+batchv1.JobCompletionIndexAnnotation+"']" {
		t.Error("milvbench-shards: SHARD must come from the pod's completion-index annotation")
	}
	if !slices.Contains(c.Args, "--result-line") {
		t.Error("milvbench-shards: without --result-line merge cannot read the results from kubectl logs")
	}
	if a := m.jobs["milvbench-prepare"].Spec.Template.Spec.Containers[0].Args; len(a) == 0 || a[0] != "prepare" {
		t.Errorf("milvbench-prepare runs %v, want prepare", a)
	}
	if a := m.jobs["milvbench-cleanup"].Spec.Template.Spec.Containers[0].Args; len(a) == 0 || a[0] != "cleanup" {
		t.Errorf("milvbench-cleanup runs %v, want cleanup", a)
	}

	// The workload in the ConfigMap is valid and can be split.
	cm := m.configMaps["milvbench-workload"]
	env := func(k string) (string, bool) {
		if k == "MILVUS_URI" {
			return cm.Data["uri"], true
		}
		return "", false
	}
	spec, err := workloads.Parse("workload.yaml", []byte(cm.Data["workload.yaml"]), env)
	if err != nil {
		t.Fatalf("ConfigMap milvbench-workload: %v", err)
	}
	if spec.Target.Kind != workloads.TargetMilvus {
		t.Errorf("the workload's target is %s, want milvus", spec.Target.Kind)
	}
	if err := bench.CheckShardable(spec.Load); err != nil {
		t.Error(err)
	}
	if n := len(workloads.NewPlan(spec).Builds); n != 1 {
		t.Errorf("the example workload has %d builds; the manifests prepare one", n)
	}
}

// checkFlags checks that every --flag a Job passes exists on that
// milvbench command, by its own --help.
func checkFlags(t *testing.T, bin, job string, args []string) {
	t.Helper()
	if len(args) == 0 {
		t.Errorf("%s: no arguments", job)
		return
	}
	help, err := exec.Command(bin, args[0], "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("%s: milvbench %s --help: %v\n%s", job, args[0], err, help)
	}
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "--") && !regexp.MustCompile(`(?m)[ ,]`+regexp.QuoteMeta(a)+`( |$)`).Match(help) {
			t.Errorf("%s: milvbench %s has no flag %s", job, args[0], a)
		}
	}
}

func buildMilvbench(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "milvbench")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/milvbench").CombinedOutput(); err != nil {
		t.Fatalf("build milvbench: %v\n%s", err, out)
	}
	return bin
}

// The container image builds from the Go version go.mod names (docker
// cannot run here; this keeps the definition in step with the module).
func TestDockerfile(t *testing.T) {
	df, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVer := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if goVer == nil {
		t.Fatal("go.mod names no go version")
	}
	if !bytes.Contains(df, []byte("FROM golang:"+string(goVer[1])+" ")) {
		t.Errorf("deploy/Dockerfile does not build with golang:%s (go.mod)", goVer[1])
	}
	for _, want := range []string{"CGO_ENABLED=0", "./cmd/milvbench", "nonroot", "ENTRYPOINT [\"/usr/local/bin/milvbench\"]"} {
		if !bytes.Contains(df, []byte(want)) {
			t.Errorf("deploy/Dockerfile lacks %q", want)
		}
	}
}

package workloads

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed examples/*.yaml
var examples embed.FS

// ExamplePrefix marks a workload argument that names an embedded example.
const ExamplePrefix = "example:"

// Examples lists the names of the embedded example workloads.
func Examples() []string {
	entries, _ := fs.ReadDir(examples, "examples")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// LoadArg loads a workload named on the command line: a file path, or
// "example:NAME" for an embedded example.
func LoadArg(arg string, env LookupEnv) (*Spec, error) {
	name, ok := strings.CutPrefix(arg, ExamplePrefix)
	if !ok {
		return Load(arg, env)
	}
	data, err := examples.ReadFile(path.Join("examples", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("no example workload %q (available: %s)", name, strings.Join(Examples(), ", "))
	}
	return Parse(arg, data, env)
}

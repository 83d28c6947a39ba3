package fetch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

// Resolved says where a named dataset was found and what checking it took.
type Resolved struct {
	Dir     string
	Files   int
	Bytes   int64 // read to check the sums
	Elapsed time.Duration
}

// Resolve points a workload's named dataset (ds.Name) at the files it was
// fetched to below root (the cache's datasets directory): it checks every
// file against the sha256 in the manifest, reading each whole, then sets
// ds.Source and ds.Path — source hdf5 with path the file for an HDF5 set,
// dir with path the directory for an extracted tarball, parquet for
// VectorDBBench's files — and ds.Metric to the dataset's when the workload
// gives none. It never downloads: a dataset not in the cache is an error
// giving the fetch command, an unknown name one giving the nearest names.
func Resolve(ds *workloads.DatasetSpec, root string) (Resolved, error) {
	t0 := time.Now()
	name := ds.Name
	e, inCatalogue := Lookup(name)
	if inCatalogue && e.IsText() {
		return Resolved{}, fmt.Errorf("%s is a text corpus, not vectors: a text field reads it (fields[].data: {name: %s})", name, name)
	}
	dir := Dir(root, name)
	var m *Manifest
	if ValidName(name) {
		var err error
		if m, err = ReadManifest(dir); err != nil {
			return Resolved{}, err
		}
	}
	if !inCatalogue && m == nil {
		return Resolved{}, fmt.Errorf("no dataset %q in the catalogue or the cache; nearest: %s (all: milvbench dataset fetch --list)",
			name, strings.Join(Nearest(name, Names(root), 3), ", "))
	}
	if m == nil || !m.Complete || len(m.Files) == 0 {
		return Resolved{}, fmt.Errorf("%s is not in the cache (%s); fetch it first: milvbench dataset fetch %s", name, dir, name)
	}
	n, err := m.Verify(dir)
	if err != nil {
		return Resolved{}, fmt.Errorf("%s: %w; fetch it again: milvbench dataset fetch %s", name, err, name)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Resolved{}, err
	}
	format, metric := m.Format, m.Metric
	if inCatalogue {
		format, metric = e.Format, e.Metric
	}
	switch format {
	case FormatHDF5:
		if len(m.Files) != 1 {
			return Resolved{}, fmt.Errorf("%s: the manifest in %s lists %d files, an HDF5 dataset has one; fetch it again: milvbench dataset fetch %s --force", name, dir, len(m.Files), name)
		}
		ds.Source, ds.Path = SourceHDF5, filepath.Join(abs, sortedKeys(m.Files)[0])
	case FormatTarball:
		ds.Source, ds.Path = workloads.SourceDir, abs
	case FormatParquet:
		ds.Source, ds.Path = workloads.SourceParquet, abs
	default:
		return Resolved{}, fmt.Errorf("%s: the manifest in %s names format %q, which this milvbench does not know", name, dir, format)
	}
	if ds.Metric == "" {
		ds.Metric = metric
	}
	if ds.Metric == "" {
		ds.Metric = workloads.L2
	}
	return Resolved{Dir: abs, Files: len(m.Files), Bytes: n, Elapsed: time.Since(t0)}, nil
}

// Names returns the catalogue's names and those of datasets in the cache
// below root fetched by URL, sorted.
func Names(root string) []string {
	seen := map[string]bool{}
	for _, e := range Catalogue() {
		seen[e.Name] = true
	}
	if ents, err := os.ReadDir(root); err == nil {
		for _, d := range ents {
			if _, err := os.Stat(filepath.Join(root, d.Name(), ManifestName)); d.IsDir() && err == nil {
				seen[d.Name()] = true
			}
		}
	}
	return sortedKeys(seen)
}

// ResolveText returns the lines file of the text corpus name fetched below
// root (one document per line, in index order) and its number of
// documents, after checking the file against the sha256 in the manifest.
// Like Resolve it never downloads: a corpus not in the cache is an error
// giving the fetch command, an unknown name one giving the text corpora.
func ResolveText(name, root string) (string, int, error) {
	e, inCatalogue := Lookup(name)
	dir := Dir(root, name)
	var m *Manifest
	if ValidName(name) {
		var err error
		if m, err = ReadManifest(dir); err != nil {
			return "", 0, err
		}
	}
	if (inCatalogue && !e.IsText()) || (!inCatalogue && m != nil && m.Format != FormatDebianPackages) {
		return "", 0, fmt.Errorf("%s is a vector dataset: name it in dataset.name (text corpora: %s)", name, strings.Join(TextNames(), ", "))
	}
	if !inCatalogue {
		return "", 0, fmt.Errorf("no text corpus %q in the catalogue (text corpora: %s)", name, strings.Join(TextNames(), ", "))
	}
	if m == nil || !m.Complete || m.Files[DescriptionsFile].SHA256 == "" {
		return "", 0, &NotFetchedError{Name: name, Dir: dir}
	}
	if _, err := m.Verify(dir); err != nil {
		return "", 0, fmt.Errorf("%s: %w; fetch it again: milvbench dataset fetch %s", name, err, name)
	}
	abs, err := filepath.Abs(filepath.Join(dir, DescriptionsFile))
	if err != nil {
		return "", 0, err
	}
	return abs, m.Rows, nil
}

// TextNames returns the names of the catalogue's text corpora.
func TextNames() []string {
	var out []string
	for _, e := range Catalogue() {
		if e.IsText() {
			out = append(out, e.Name)
		}
	}
	return out
}

// NotFetchedError is a corpus of the catalogue that is not in the cache.
type NotFetchedError struct{ Name, Dir string }

func (e *NotFetchedError) Error() string {
	return fmt.Sprintf("%s is not in the cache (%s); fetch it first: milvbench dataset fetch %s", e.Name, e.Dir, e.Name)
}

package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/milvbench/milvbench/workloads"
)

// ManifestName is the file in a dataset's cache directory that records what
// was fetched and each file's checksum.
const ManifestName = "milvbench-fetch.json"

// Manifest records a fetched dataset: the files a run reads, each with the
// sha256 it is checked against, and the archives they were extracted from.
type Manifest struct {
	Name   string `json:"name"`
	Format string `json:"format"`
	// Metric is the dataset's metric (the catalogue's, or guessed from a
	// --url file's name; "" when unknown).
	Metric workloads.Metric `json:"metric,omitempty"`
	// Files are the files a run reads, by name in the directory.
	Files map[string]Record `json:"files"`
	// Archives are downloads extracted into Files and then deleted.
	Archives map[string]Record `json:"archives,omitempty"`
	// Complete is set once every file is in place and verified.
	Complete bool `json:"complete"`
	// Release and Rows, for a text corpus extracted from a Debian package
	// index: the release the index came from (Release.String) and the
	// number of documents.
	Release string `json:"release,omitempty"`
	Rows    int    `json:"rows,omitempty"`
}

// Record is one file's identity.
type Record struct {
	SHA256 string `json:"sha256"`
	MD5    string `json:"md5,omitempty"`
	Size   int64  `json:"size"`
	// Checksum says what the file was checked against when it was fetched:
	// ChecksumPublished (the publisher's sum, or extracted from an archive
	// that matched it) or ChecksumRecorded (the first download's sha256).
	Checksum string    `json:"checksum"`
	URL      string    `json:"url,omitempty"`
	Fetched  time.Time `json:"fetched"`
}

// Dir is the cache directory of the dataset name below root (the cache's
// datasets directory).
func Dir(root, name string) string { return filepath.Join(root, name) }

// ReadManifest reads the manifest in dir; (nil, nil) when there is none.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: not a readable manifest (delete the directory and fetch again): %w", filepath.Join(dir, ManifestName), err)
	}
	if m.Files == nil {
		m.Files = map[string]Record{}
	}
	return &m, nil
}

// write stores m in dir atomically (a temporary file renamed over it).
func (m *Manifest) write(dir string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, ManifestName), append(b, '\n'))
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// fileSHA256 returns the hex sha256 and the size of the file at path.
func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// MismatchError is a file whose checksum is not the one expected; its
// message names both sums.
type MismatchError struct {
	File    string // the file as the user knows it (a path or a URL)
	Algo    string // md5 or sha256
	Want    string
	Got     string
	Against string // where Want comes from: published, recorded on first download, ...
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s: checksum mismatch: expected %s %s (%s), got %s %s", e.File, e.Algo, e.Want, e.Against, e.Algo, e.Got)
}

// Verify checks every file m lists in dir against its recorded sha256 and
// size, reading each whole, and returns the bytes read.
func (m *Manifest) Verify(dir string) (int64, error) {
	var total int64
	for _, name := range sortedKeys(m.Files) {
		rec := m.Files[name]
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err != nil {
			return total, fmt.Errorf("%s is missing", p)
		}
		if st.Size() != rec.Size {
			return total, fmt.Errorf("%s: %d bytes, but it had %d when it was fetched", p, st.Size(), rec.Size)
		}
		sum, n, err := fileSHA256(p)
		total += n
		if err != nil {
			return total, err
		}
		if sum != rec.SHA256 {
			return total, &MismatchError{File: p, Algo: "sha256", Want: rec.SHA256, Got: sum, Against: against(rec.Checksum)}
		}
	}
	return total, nil
}

// against names where a recorded sha256 came from.
func against(checksum string) string {
	if checksum == ChecksumPublished {
		return "recorded when it was fetched and matched the published checksum"
	}
	return "recorded on first download"
}

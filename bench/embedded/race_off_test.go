//go:build !race

package embedded

// raceBuild reports whether the tests run under the race detector, which
// makes the real-data builds several times slower.
const raceBuild = false

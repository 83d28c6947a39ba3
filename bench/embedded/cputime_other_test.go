//go:build !unix

package embedded

import "time"

// cpuNow is not measured here; the cpu-ns/op metric reads 0.
func cpuNow() time.Duration { return 0 }

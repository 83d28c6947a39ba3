//go:build unix

package embedded

import (
	"syscall"
	"time"
)

// cpuNow is the process's user and system CPU time so far: benchmarks
// report CPU per operation beside wall time, which on a shared host
// depends on the other load more than on the code.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

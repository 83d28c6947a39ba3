//go:build linux

package bench

import (
	"time"

	"golang.org/x/sys/unix"
)

// preciseSleep sleeps d with nanosleep(2), which wakes within about 100 µs.
// Go's own timers wake about 1 ms late when the process is otherwise idle
// (the poller waits in whole milliseconds), which would add up to 1 ms to
// every open-loop latency.
func preciseSleep(d time.Duration) {
	until := time.Now().Add(d)
	for d > 0 {
		ts := unix.NsecToTimespec(int64(d))
		if unix.Nanosleep(&ts, nil) == nil {
			return
		}
		d = time.Until(until) // interrupted (e.g. by a preemption signal)
	}
}

//go:build linux

package bench

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// lockPacerThread gives the calling goroutine its own OS thread with a
// timer slack of 1 ns, so that preciseSleep wakes within tens of
// microseconds instead of the default 50 µs slack. The caller must never
// unlock it: the thread then ends with the goroutine.
func lockPacerThread() {
	runtime.LockOSThread()
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
}

// preciseSleep sleeps d with nanosleep(2). Go's own timers wake about 1 ms
// late when the process is otherwise idle (the poller waits in whole
// milliseconds), which would add up to 1 ms to every open-loop latency.
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

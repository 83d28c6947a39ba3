//go:build !linux

package bench

import "time"

// preciseSleep sleeps d on a Go timer.
func preciseSleep(d time.Duration) { time.Sleep(d) }

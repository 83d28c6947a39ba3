//go:build !linux

package bench

import "time"

// lockPacerThread does nothing where timer slack cannot be set.
func lockPacerThread() {}

// preciseSleep sleeps d on a Go timer.
func preciseSleep(d time.Duration) { time.Sleep(d) }

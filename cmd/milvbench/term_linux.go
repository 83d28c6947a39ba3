package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// terminal reports whether f is a terminal, and its width in columns.
func terminal(f *os.File) (bool, int) {
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err != nil {
		return false, 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return true, 80
	}
	return true, int(ws.Col)
}

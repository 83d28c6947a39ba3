//go:build !linux

package main

import "os"

// terminal reports no terminal where milvbench cannot ask the tty driver:
// progress then prints plain periodic lines.
func terminal(*os.File) (bool, int) { return false, 0 }

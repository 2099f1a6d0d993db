//go:build go1.24

// From Go 1.24 the runtime map is a Swiss table with a different header, so
// the probe in main.go (which reads the classic hmap) would print nonsense.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "gomapfidelity: %s has a different map implementation; "+
		"use Go 1.18-1.23 (the facts describe the Go 1.18/1.19 hmap)\n", runtime.Version())
	os.Exit(1)
}

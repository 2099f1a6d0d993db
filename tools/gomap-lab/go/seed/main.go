// The seed article's experiment on the real Go map, printed for gomap-lab seed.
// Each line: <stage> <heap bytes held by the map> <B> <GC count>.
// Heap bytes are HeapAlloc after runtime.GC(), minus the figure before make.
package main

import (
	"flag"
	"fmt"
	"runtime"
	"unsafe"
)

type Person struct {
	ID   int64
	Name string
}

// The first bytes of the runtime's hmap (runtime/map.go, Go 1.18/1.19).
type hmapHeader struct {
	count     int
	flags     uint8
	B         uint8
	noverflow uint16
	hash0     uint32
}

func heap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func bOf(m map[int]Person) int {
	if m == nil {
		return -1
	}
	h := *(**hmapHeader)(unsafe.Pointer(&m))
	return int(h.B)
}

func main() {
	n := flag.Int("n", 10000, "entries")
	hint := flag.Int("hint", 10000, "make() size hint")
	flag.Parse()
	base := heap()
	report := func(stage string, m map[int]Person) {
		h := heap()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		d := int64(h) - int64(base)
		if d < 0 {
			d = 0
		}
		fmt.Printf("%s %d %d %d\n", stage, d, bOf(m), ms.NumGC)
	}
	m := make(map[int]Person, *hint)
	report("made", m)
	for i := 0; i < *n; i++ {
		m[i] = Person{ID: int64(i) * 7919 % 1000000000, Name: "hello world"}
	}
	report("filled", m)
	for k := range m {
		delete(m, k)
	}
	report("deleted", m)
	m = nil
	report("dropped", m)
}

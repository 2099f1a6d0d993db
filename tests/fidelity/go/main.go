//go:build !go1.24

// Command gomapfidelity prints line-oriented facts about the real Go map
// implementation of the toolchain it is built with (written against Go 1.19).
// The facts are read from the runtime's map header through unsafe and from
// runtime.MemStats; the C++ fidelity test (../fidelity_test.cpp) compares
// gomap::go_map against them.
//
// Output (one fact per line, space separated):
//
//	btraj <n> <B>          B after the n-th insert, printed whenever B changed
//	btraj_final <n> <B>
//	hint <h> <B>           B of make(map[int64]int64, h)
//	seedbytes <stage> <bytes>, seedB <stage> <B>, seednoverflow <stage> <n>
//	seedoverflow_exact <stage> <n>   overflow buckets linked into chains,
//	                                 counted by walking the bucket array
//	bigbytes <n> <bytes>, bigB <n> <B>, bigoverflow_exact <n> <count>
//
// All figures are deterministic except the overflow counts and, to a small
// degree, the nohint_* byte figures: the runtime seeds its hash function from
// random data at process start, so the placement of keys into buckets (and
// hence the number of overflow buckets) changes from run to run. The byte
// figures may also carry a few dozen bytes of runtime noise.
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"sort"
	"unsafe"
)

// header mirrors the leading fields of the Go 1.19 runtime map header
// (runtime.hmap). Only the fields we read matter, but the full prefix is
// declared so that the offsets match.
type header struct {
	count      int
	flags      uint8
	logBuckets uint8
	noverflow  uint16
	seed       uint32
	buckets    unsafe.Pointer
	oldbuckets unsafe.Pointer
	nevacuate  uintptr
	extra      unsafe.Pointer
}

// hdr returns the runtime header behind a map value. A map value is a single
// pointer to its header, so the map is passed through a pointer to it.
func hdr[K comparable, V any](m *map[K]V) *header {
	return (*header)(*(*unsafe.Pointer)(unsafe.Pointer(m)))
}

// Person has the seed article's layout: 8-byte int plus a 16-byte string
// header = 24 bytes, so a map[int]Person bucket is 8+8*8+8*24+8 = 272 bytes.
type Person struct {
	ID   int64
	Name string
}

// personBucketBytes is the size of one map[int]Person bucket: 8 tophash
// bytes, 8 keys, 8 elements, and the overflow pointer, which comes last.
const personBucketBytes = 8 + 8*unsafe.Sizeof(int(0)) + 8*unsafe.Sizeof(Person{}) +
	unsafe.Sizeof(uintptr(0))

// overflowChains counts the overflow buckets linked from the main bucket
// array by following each bucket's trailing overflow pointer. It returns -1
// when there is no array yet or a grow is still in progress.
func overflowChains(h *header, bucketBytes uintptr) int {
	if h.buckets == nil || h.oldbuckets != nil {
		return -1
	}
	n := 0
	ptr := unsafe.Sizeof(uintptr(0))
	for i := uintptr(0); i < uintptr(1)<<h.logBuckets; i++ {
		b := unsafe.Add(h.buckets, i*bucketBytes)
		for {
			next := *(*unsafe.Pointer)(unsafe.Add(b, bucketBytes-ptr))
			if next == nil {
				break
			}
			n++
			b = next
		}
	}
	return n
}

var out *bufio.Writer

func emit(format string, args ...any) {
	fmt.Fprintf(out, format+"\n", args...)
}

// Package-level variables keep maps on the heap and alive between
// measurements.
var (
	personMap  map[int]Person
	scratchMap map[int]Person // keeps a measured map alive across a GC
	intMap     map[int64]int64
)

// heapInUse returns the live heap after a full collection.
func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

func trajectory() {
	const limit = 1 << 20
	intMap = make(map[int64]int64)
	h := hdr(&intMap)
	last := h.logBuckets
	for i := int64(0); i < limit; i++ {
		intMap[i] = i
		n := len(intMap)
		if b := h.logBuckets; b != last {
			emit("btraj %d %d", n, b)
			last = b
		}
	}
	emit("btraj_final %d %d", len(intMap), h.logBuckets)
	intMap = nil
}

// hintValue is a variable so that the compiler cannot specialise make()
// for a constant small hint.
var hintValue int

func hints() {
	set := map[int]bool{}
	for _, h := range []int{0, 1, 7, 8, 9, 12, 13, 14, 26, 27, 52, 53, 100,
		1000, 10000, 100000, 1000000} {
		set[h] = true
	}
	for h := 0; h <= 300; h++ {
		set[h] = true
	}
	list := make([]int, 0, len(set))
	for h := range set {
		list = append(list, h)
	}
	sort.Ints(list)
	for _, h := range list {
		hintValue = h
		intMap = make(map[int64]int64, hintValue)
		emit("hint %d %d", h, hdr(&intMap).logBuckets)
		intMap = nil
	}
	runtime.GC()
}

// seed runs the article's experiment: make, fill with 10,000 entries,
// delete all of them, drop the map; the heap is measured after each stage.
func seed(prefix string, useHint bool) {
	const entries = 10000
	type fact struct {
		stage     string
		bytes     int64
		b         uint8
		noverflow uint16
		exact     int
		hasHeader bool
	}
	var facts [4]fact
	base := heapInUse()
	if useHint {
		hintValue = entries
		personMap = make(map[int]Person, hintValue)
	} else {
		personMap = make(map[int]Person)
	}
	snap := func(i int, stage string) {
		f := fact{stage: prefix + stage, bytes: heapInUse() - base}
		if personMap != nil {
			h := hdr(&personMap)
			f.b, f.noverflow, f.hasHeader = h.logBuckets, h.noverflow, true
			f.exact = overflowChains(h, personBucketBytes)
		}
		facts[i] = f
	}
	snap(0, "made")
	// The heap also holds what the runtime allocates for itself between two
	// readings (1.9 KB once, in a CI run): the make stage is the least of
	// five fresh measurements, as such noise only ever adds.
	for t := 0; t < 5; t++ {
		var m map[int]Person
		b0 := heapInUse()
		if useHint {
			m = make(map[int]Person, hintValue)
		} else {
			m = make(map[int]Person)
		}
		scratchMap = m
		if d := heapInUse() - b0; d < facts[0].bytes {
			facts[0].bytes = d
		}
		scratchMap = nil
	}
	for i := 0; i < entries; i++ {
		personMap[i] = Person{ID: int64(i), Name: "hello world"}
	}
	snap(1, "filled")
	for i := 0; i < entries; i++ {
		delete(personMap, i)
	}
	snap(2, "deleted")
	personMap = nil
	snap(3, "dropped")
	for _, f := range facts {
		emit("seedbytes %s %d", f.stage, f.bytes)
	}
	for _, f := range facts {
		if f.hasHeader {
			emit("seedB %s %d", f.stage, f.b)
		}
	}
	for _, f := range facts {
		if f.hasHeader {
			emit("seednoverflow %s %d", f.stage, f.noverflow)
		}
	}
	for _, f := range facts {
		if f.hasHeader && f.exact >= 0 {
			emit("seedoverflow_exact %s %d", f.stage, f.exact)
		}
	}
}

func big() {
	const n = 1000000
	base := heapInUse()
	personMap = make(map[int]Person)
	for i := 0; i < n; i++ {
		personMap[i] = Person{ID: int64(i), Name: "hello world"}
	}
	held := heapInUse() - base
	h := hdr(&personMap)
	b, exact := h.logBuckets, overflowChains(h, personBucketBytes)
	personMap = nil
	emit("bigbytes %d %d", n, held)
	emit("bigB %d %d", n, b)
	emit("bigoverflow_exact %d %d", n, exact)
}

func main() {
	out = bufio.NewWriterSize(os.Stdout, 1<<16)
	emit("goversion %s", runtime.Version())
	emit("hmap_header_bytes %d", unsafe.Sizeof(header{}))
	trajectory()
	hints()
	seed("", true)
	seed("nohint_", false)
	big()
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gomapfidelity:", err)
		os.Exit(1)
	}
}

// go_bench — the real Go map on the work bench/peers_bench.cpp and
// bench/memory_latency.cpp give the C++ maps, with the same keys, emitting the
// same JSON shape. Standard library only.
//
//	go_bench peers   [-sizes 1000,100000,1000000,10000000] [-types u64->u64,...]
//	                 [-max-n-others 1000000] [-min-ops 1000000] [-rep I] [-json FILE]
//	go_bench latency [-n 10000000] [-churn K] [-rep I] [-json FILE]
//
// peers: the workloads of bench/peers_harness.hpp (read its header comment),
// one sample per invocation. Differences that the language imposes:
//   - values come from a slice prepared beforehand (C++ computes them inline);
//     lookups load the value found (C++ adds it to a sum);
//   - bytes: the live heap (runtime.MemStats.HeapAlloc right after
//     runtime.GC()) with the map, minus the same without it. No peak: Go does
//     not report one. A string key's bytes are not counted (as in C++), since
//     the map shares them with the key slices.
//   - the garbage collector runs concurrently (GOMAXPROCS = the machine's
//     cores); its work during a timed region is part of the Go map's cost.
//
// latency: grow to n keys timing every insert, erase down to n/1000 timing
// every erase, churn, drain; bytes over time are HeapAlloc (live heap plus
// garbage not yet collected) sampled 200 times per phase.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// nanotime reads the monotonic clock (time.Since on a time with a monotonic
// reading does one runtime nanotime call, no wall clock).
var epoch = time.Now()

func nanotime() int64 { return int64(time.Since(epoch)) }

const (
	seedKeys    = 0x6b65797300000001
	seedFresh   = 0x6672657300000002
	seedMiss    = 0x6d69737300000003
	seedShuffle = 0x7368756600000004
)

func splitmix64(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func mulhi(a, b uint64) uint64 {
	hi, _ := bits.Mul64(a, b)
	return hi
}

const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// keyString: as peers::key_string in bench/peers_harness.hpp.
func keyString(x uint64, long bool) string {
	b := make([]byte, 0, 40)
	for i := 0; i < 11; i++ {
		b = append(b, alpha[(x>>(6*i))&63])
	}
	st := x
	r := splitmix64(&st)
	n := 11 + int(r%5)
	if long {
		n = 40
	}
	for len(b) < n {
		r = splitmix64(&st)
		for j := 0; j < 10 && len(b) < n; j++ {
			b = append(b, alpha[(r>>(6*j))&63])
		}
	}
	return string(b)
}

type v24 struct{ a, b, c uint64 }

type dataset[K comparable] struct {
	keys, probe, miss, fresh []K
}

func passesFor(n, minOps int) int {
	p := (minOps + n - 1) / n
	if p < 1 {
		p = 1
	}
	return p
}

func stream[K comparable](seed uint64, n int, mk func(uint64) K) []K {
	v := make([]K, n)
	for i := range v {
		v[i] = mk(splitmix64(&seed))
	}
	return v
}

func makeDataset[K comparable](n, minOps int, mk func(uint64) K) *dataset[K] {
	d := &dataset[K]{}
	d.keys = stream(seedKeys, n, mk)
	d.probe = append([]K(nil), d.keys...)
	s := uint64(seedShuffle)
	for i := n - 1; i > 0; i-- {
		j := mulhi(splitmix64(&s), uint64(i+1))
		d.probe[i], d.probe[j] = d.probe[j], d.probe[i]
	}
	d.miss = stream(seedMiss, n, mk)
	d.fresh = stream(seedFresh, passesFor(n, minOps)*n, mk)
	return d
}

// One line of the JSON output (the fields of peers_bench's records).
type record struct {
	Map, Types, Workload         string
	N, Rep, Ops                  int
	NsPerOp                      *float64 // timing records
	Built, Reserve, Churn, Final *int64   // the "memory" record
}

const mapName = "Go map"

func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

func fail(what string) {
	fmt.Fprintf(os.Stderr, "go_bench: %s\n", what)
	os.Exit(1)
}

var sink any

func run[K comparable, V any](types string, d *dataset[K], vals []V, minOps, rep int) []record {
	n := len(d.keys)
	passes := passesFor(n, minOps)
	var out []record
	emit := func(w string, ns int64, ops int) {
		v := float64(ns) / float64(ops)
		out = append(out, record{Map: mapName, Types: types, N: n, Workload: w, Rep: rep, NsPerOp: &v, Ops: ops})
	}
	mem := record{Map: mapName, Types: types, N: n, Workload: "memory", Rep: rep}
	i64 := func(v int64) *int64 { return &v }

	live := make([]K, n) // churn's victims; allocated before any base reading

	// insert, without a size hint
	base := liveHeap()
	var m map[K]V
	var ns int64
	for p := 0; p < passes; p++ {
		m = nil
		mm := make(map[K]V)
		t0 := nanotime()
		for i, k := range d.keys {
			mm[k] = vals[i]
		}
		ns += nanotime() - t0
		if len(mm) != n {
			fail("insert: wrong size")
		}
		m = mm
	}
	emit("insert", ns, passes*n)
	mem.Built = i64(liveHeap() - base)

	{ // find_hit
		var last V
		missing := 0
		t0 := nanotime()
		for p := 0; p < passes; p++ {
			for _, k := range d.probe {
				if v, ok := m[k]; ok {
					last = v
				} else {
					missing++
				}
			}
		}
		emit("find_hit", nanotime()-t0, passes*n)
		sink = last
		if missing != 0 {
			fail("find_hit: a key is missing")
		}
	}
	{ // find_miss
		found := 0
		t0 := nanotime()
		for p := 0; p < passes; p++ {
			for _, k := range d.miss {
				if _, ok := m[k]; ok {
					found++
				}
			}
		}
		emit("find_miss", nanotime()-t0, passes*n)
		if found != 0 {
			fail("find_miss: found a key that was never inserted")
		}
	}
	{ // iterate
		var last V
		seen := 0
		t0 := nanotime()
		for p := 0; p < passes; p++ {
			for _, v := range m {
				last = v
				seen++
			}
		}
		emit("iterate", nanotime()-t0, passes*n)
		sink = last
		if seen != passes*n {
			fail("iterate: wrong count")
		}
	}
	{ // erase
		t0 := nanotime()
		for _, k := range d.probe {
			delete(m, k)
		}
		ns = nanotime() - t0
		if len(m) != 0 {
			fail("erase: map not empty")
		}
		mem.Final = i64(liveHeap() - base)
		runtime.KeepAlive(m)
		m = nil
		for p := 1; p < passes; p++ {
			mm := make(map[K]V)
			for i, k := range d.keys {
				mm[k] = vals[i]
			}
			t0 = nanotime()
			for _, k := range d.probe {
				delete(mm, k)
			}
			ns += nanotime() - t0
			if len(mm) != 0 {
				fail("erase: map not empty")
			}
		}
		emit("erase", ns, passes*n)
	}

	// insert with a size hint: make(map, n), Go's reserve
	base = liveHeap()
	ns = 0
	for p := 0; p < passes; p++ {
		m = nil
		mm := make(map[K]V, n)
		t0 := nanotime()
		for i, k := range d.keys {
			mm[k] = vals[i]
		}
		ns += nanotime() - t0
		if len(mm) != n {
			fail("insert_reserve: wrong size")
		}
		m = mm
	}
	emit("insert_reserve", ns, passes*n)
	mem.Reserve = i64(liveHeap() - base)

	{ // churn on the map made with the hint
		copy(live, d.probe)
		ops := len(d.fresh)
		t0 := nanotime()
		for i, j := 0, 0; i < ops; i++ {
			delete(m, live[j])
			m[d.fresh[i]] = vals[j]
			live[j] = d.fresh[i]
			if j++; j == n {
				j = 0
			}
		}
		emit("churn", nanotime()-t0, ops)
		if len(m) != n {
			fail("churn: wrong size")
		}
		mem.Churn = i64(liveHeap() - base)
		runtime.KeepAlive(m)
		runtime.KeepAlive(live)
	}
	// Everything allocated before a base reading stays alive until here, so
	// that no difference of live heaps counts the data set going away.
	runtime.KeepAlive(d)
	runtime.KeepAlive(vals)
	return append(out, mem)
}

func u64Values(n int) []uint64 {
	v := make([]uint64, n)
	for i := range v {
		v[i] = uint64(i)
	}
	return v
}

func peers(args []string) {
	fs := flag.NewFlagSet("peers", flag.ExitOnError)
	sizesF := fs.String("sizes", "1000,100000,1000000,10000000", "map sizes")
	typesF := fs.String("types", "", "key/value types (default: all)")
	maxOthers := fs.Int("max-n-others", 1000000, "types other than u64->u64 skip larger sizes")
	minOps := fs.Int("min-ops", 1000000, "operations per timed sample, at least")
	rep := fs.Int("rep", 0, "repetition index")
	jsonF := fs.String("json", "", "output file (default: stdout)")
	fs.Parse(args)

	var sizes []int
	for _, s := range strings.Split(*sizesF, ",") {
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			fail("bad size " + s)
		}
		sizes = append(sizes, n)
	}
	want := map[string]bool{}
	for _, t := range strings.Split(*typesF, ",") {
		if t != "" {
			want[t] = true
		}
	}
	use := func(t string, n int) bool {
		return (len(want) == 0 || want[t]) && (t == "u64->u64" || n <= *maxOthers)
	}
	var recs []record
	progress := func(rs []record) {
		fmt.Fprintf(os.Stderr, "%-10s n=%-9d %-26s", rs[0].Types, rs[0].N, mapName)
		for _, r := range rs {
			if r.NsPerOp != nil {
				fmt.Fprintf(os.Stderr, " %s %.1f", r.Workload, *r.NsPerOp)
			} else {
				fmt.Fprintf(os.Stderr, " | built %.1f MiB, final %.1f MiB", float64(*r.Built)/1048576, float64(*r.Final)/1048576)
			}
		}
		fmt.Fprintln(os.Stderr)
		recs = append(recs, rs...)
	}
	for _, n := range sizes {
		if use("u64->u64", n) || use("u64->v24", n) {
			d := makeDataset(n, *minOps, func(x uint64) uint64 { return x })
			if use("u64->u64", n) {
				progress(run("u64->u64", d, u64Values(n), *minOps, *rep))
			}
			if use("u64->v24", n) {
				vals := make([]v24, n)
				for i := range vals {
					vals[i] = v24{uint64(i), uint64(i + 1), uint64(i + 2)}
				}
				progress(run("u64->v24", d, vals, *minOps, *rep))
			}
		}
		for _, t := range []string{"str15->u64", "str40->u64"} {
			if use(t, n) {
				long := t == "str40->u64"
				d := makeDataset(n, *minOps, func(x uint64) string { return keyString(x, long) })
				progress(run(t, d, u64Values(n), *minOps, *rep))
			}
		}
		runtime.GC()
	}
	w := openOut(*jsonF)
	fmt.Fprintf(w, "{\"schema\": \"gomap-bench/1\", \"program\": \"go_bench\", \"lang\": \"go\",\n")
	fmt.Fprintf(w, " \"context\": {\"go\": %q, \"gomaxprocs\": %d, \"rep\": %d, \"min_ops\": %d, \"sizes\": [%s]},\n \"records\": [\n",
		runtime.Version(), runtime.GOMAXPROCS(0), *rep, *minOps, strings.ReplaceAll(*sizesF, ",", ", "))
	for i, r := range recs {
		fmt.Fprintf(w, "  {\"map\": %q, \"types\": %q, \"n\": %d, \"workload\": %q, \"rep\": %d", r.Map, r.Types, r.N, r.Workload, r.Rep)
		if r.NsPerOp != nil {
			fmt.Fprintf(w, ", \"ns_per_op\": %.3f, \"ops\": %d}", *r.NsPerOp, r.Ops)
		} else {
			fmt.Fprintf(w, ", \"peak_bytes\": null, \"built_bytes\": %d, \"reserve_bytes\": %d, \"churn_bytes\": %d, \"final_bytes\": %d}",
				*r.Built, *r.Reserve, *r.Churn, *r.Final)
		}
		if i+1 < len(recs) {
			fmt.Fprintln(w, ",")
		} else {
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w, " ]}")
	closeOut(w)
}

// ---- latency: bench/memory_latency.cpp on the Go map ---------------------------

type latency struct {
	max, p50, p90, p99, p999, p9999 uint64
	hist                            [][2]uint64
}

// Bins as in memory_latency.cpp: 0..15 ns one per ns, then 8 per octave.
func binOf(v uint64) int {
	if v < 16 {
		return int(v)
	}
	e := bits.Len64(v) - 1
	return 16 + (e-4)*8 + int((v>>(e-3))&7)
}

func binLow(b int) uint64 {
	if b < 16 {
		return uint64(b)
	}
	e := (b-16)/8 + 4
	return uint64(8+(b-16)%8) << (e - 3)
}

func summarize(t []uint32) latency {
	var l latency
	if len(t) == 0 {
		return l
	}
	counts := make([]uint64, 16+60*8)
	for _, v := range t {
		counts[binOf(uint64(v))]++
	}
	for b, c := range counts {
		if c != 0 {
			l.hist = append(l.hist, [2]uint64{binLow(b), c})
		}
	}
	sort.Slice(t, func(i, j int) bool { return t[i] < t[j] })
	pct := func(q float64) uint64 { return uint64(t[int(q*float64(len(t)-1))]) }
	l.p50, l.p90, l.p99, l.p999, l.p9999 = pct(0.5), pct(0.9), pct(0.99), pct(0.999), pct(0.9999)
	l.max = uint64(t[len(t)-1])
	return l
}

func heapAlloc() int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

func clamp32(d int64) uint32 {
	if d < 0 {
		return 0
	}
	if d > 0xffffffff {
		return 0xffffffff
	}
	return uint32(d)
}

func latencyMode(args []string) {
	fs := flag.NewFlagSet("latency", flag.ExitOnError)
	nF := fs.Int("n", 10000000, "entries to grow to")
	churnF := fs.Int("churn", -1, "churn pairs at the steady size (default n/10)")
	rep := fs.Int("rep", 0, "repetition index")
	jsonF := fs.String("json", "", "output file (default: stdout)")
	fs.Parse(args)
	n := *nF
	if n < 1000 {
		fail("-n must be at least 1000")
	}
	churn := *churnF
	if churn < 0 {
		churn = n / 10
	}
	keep := n / 1000
	every := n / 200
	if every < 1 {
		every = 1
	}
	keys := make([]uint64, n)
	seed := uint64(1)
	for i := range keys {
		keys[i] = splitmix64(&seed)
	}
	type sample struct {
		phase     string
		op, bytes int64
	}
	var samples []sample
	var base0 int64
	lat := make([]uint32, 0, n)
	live := append([]uint64(nil), keys[:keep]...)
	samples = make([]sample, 0, 4*200+8)
	rng := uint64(99)
	// ReadMemStats stops the world: the time spent sampling is taken out of
	// the phase averages (it is outside every per-operation time already).
	var sampling int64
	sampleAt := func(phase string, op int) int64 {
		a := nanotime()
		b := heapAlloc() - base0
		samples = append(samples, sample{phase, int64(op), b})
		sampling += nanotime() - a
		return b
	}

	base := liveHeap()
	base0 = base
	m := make(map[uint64]uint64)
	t0 := nanotime()
	for i := 0; i < n; i++ {
		a := nanotime()
		m[keys[i]] = uint64(i)
		lat = append(lat, clamp32(nanotime()-a))
		if i%every == 0 {
			sampleAt("grow", i)
		}
	}
	insertNs := float64(nanotime()-t0-sampling) / float64(n)
	grown := liveHeap() - base
	ins := summarize(lat)
	lat = lat[:0]
	sampling = 0
	t0 = nanotime()
	for i := keep; i < n; i++ {
		a := nanotime()
		delete(m, keys[i])
		lat = append(lat, clamp32(nanotime()-a))
		if i%every == 0 {
			sampleAt("shrink", n+i)
		}
	}
	eraseTotal := float64(nanotime()-t0-sampling) / 1e9
	era := summarize(lat)
	steady := liveHeap() - base
	var fresh int64
	{
		b := liveHeap()
		f := make(map[uint64]uint64)
		for i := 0; i < keep; i++ {
			f[keys[i]] = uint64(i)
		}
		fresh = liveHeap() - b
		runtime.KeepAlive(f)
	}
	churnStart := liveHeap() - base
	churnMax := churnStart
	cevery := churn / 200
	if cevery < 1 {
		cevery = 1
	}
	sampling = 0
	t0 = nanotime()
	for i := 0; i < churn; i++ {
		j := mulhi(splitmix64(&rng), uint64(len(live)))
		delete(m, live[j])
		live[j] = splitmix64(&rng)
		m[live[j]] = uint64(i)
		if i%cevery == 0 {
			if b := sampleAt("churn", 2*n+i); b > churnMax {
				churnMax = b
			}
		}
	}
	churnNs := 0.0
	if churn > 0 {
		churnNs = float64(nanotime()-t0-sampling) / float64(churn)
	}
	afterChurn := liveHeap() - base
	for _, k := range live {
		delete(m, k)
	}
	drained := liveHeap() - base
	samples = append(samples, sample{"drained", int64(2*n + churn), drained})
	runtime.KeepAlive(m)
	runtime.KeepAlive(keys) // alive through every base reading (see run)
	runtime.KeepAlive(lat)

	fmt.Fprintf(os.Stderr, "Go map: worst insert %.1f us, worst erase %.1f us, insert %.1f ns/op, erase %.1f ns/op, churn %.1f ns, grown %.1f MiB, drained %.1f MiB\n",
		float64(ins.max)/1e3, float64(era.max)/1e3, insertNs, eraseTotal*1e9/float64(n-keep), churnNs,
		float64(grown)/1048576, float64(drained)/1048576)

	w := openOut(*jsonF)
	fmt.Fprintf(w, "{\"schema\": \"gomap-bench/1\", \"program\": \"go_latency\", \"lang\": \"go\",\n")
	fmt.Fprintf(w, " \"context\": {\"go\": %q, \"gomaxprocs\": %d, \"n\": %d, \"keep\": %d, \"churn\": %d, \"rep\": %d,\n",
		runtime.Version(), runtime.GOMAXPROCS(0), n, keep, churn, *rep)
	fmt.Fprintf(w, "  \"bytes\": \"live heap after runtime.GC() (peak: not reported by Go); samples: HeapAlloc, garbage included\"},\n \"maps\": [\n")
	fmt.Fprintf(w, "  {\"map\": %q, \"rep\": %d, \"insert_ns\": %.3f, \"erase_ns\": %.3f, \"churn_ns\": %.3f, \"erase_total_s\": %.4f,\n",
		mapName, *rep, insertNs, eraseTotal*1e9/float64(n-keep), churnNs, eraseTotal)
	fmt.Fprintf(w, "   \"peak_bytes\": null, \"grown_bytes\": %d, \"steady_bytes\": %d, \"fresh_steady_bytes\": %d, \"churn_start_bytes\": %d, \"churn_max_bytes\": %d, \"after_churn_bytes\": %d, \"drained_bytes\": %d,\n",
		grown, steady, fresh, churnStart, churnMax, afterChurn, drained)
	fmt.Fprintf(w, "   \"latency\": {\"insert\": %s, \"erase\": %s},\n   \"samples\": [", latJSON(ins), latJSON(era))
	for i, s := range samples {
		sep := ", "
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(w, "%s[%q, %d, %d]", sep, s.phase, s.op, s.bytes)
	}
	fmt.Fprintln(w, "]}\n ]}")
	closeOut(w)
}

func latJSON(l latency) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{\"max_ns\": %d, \"p50_ns\": %d, \"p90_ns\": %d, \"p99_ns\": %d, \"p999_ns\": %d, \"p9999_ns\": %d, \"hist\": [",
		l.max, l.p50, l.p90, l.p99, l.p999, l.p9999)
	for i, h := range l.hist {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "[%d, %d]", h[0], h[1])
	}
	b.WriteString("]}")
	return b.String()
}

// ---- output ------------------------------------------------------------------------

type out struct {
	*bufio.Writer
	f *os.File
}

func openOut(path string) out {
	f := os.Stdout
	if path != "" {
		var err error
		if f, err = os.Create(path); err != nil {
			fail(err.Error())
		}
	}
	return out{bufio.NewWriter(f), f}
}

func closeOut(w out) {
	if err := w.Flush(); err != nil {
		fail(err.Error())
	}
	if w.f != os.Stdout {
		if err := w.f.Close(); err != nil {
			fail(err.Error())
		}
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go_bench peers|latency [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "peers":
		peers(os.Args[2:])
	case "latency":
		latencyMode(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, "usage: go_bench peers|latency [flags]")
		os.Exit(2)
	}
}

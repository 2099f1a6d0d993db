# scripts/mutate/mutants.py — plausible bugs, injected one at a time by
# scripts/mutate.sh to prove that the test suite notices each of them.
#
# Each mutant names the file it changes and one or more (original, mutated)
# text pairs. Every original must occur exactly once in the file (the runner
# refuses a mutant whose text has drifted from the code, so the list cannot rot
# silently). A mutant must compile; it is "killed" when some test fails or
# times out.

HMAP = "include/gomap/detail/hmap.hpp"
BMAP = "include/gomap/detail/bmap.hpp"
MAP = "include/gomap/map.hpp"
FLAT = "include/gomap/detail/flat_table.hpp"
GROUP = "include/gomap/detail/group.hpp"
CHECKED = "include/gomap/detail/checked.hpp"
CMAP = "include/gomap/concurrent_map.hpp"
RWMUTEX = "include/gomap/detail/rwmutex.hpp"
# The flat engine's own tests: its mutants build and run only these (a kill by
# them alone; the fuzz body and differential_test run the engine too).
FLAT_TESTS = ["flat_engine_test", "iterator_check_test"]

MUTANTS = [
    # ---- mapdelete: the emptyRest rule -------------------------------------
    dict(
        name="emptyRest walk stops one slot short",
        why="the backward walk of mapdelete never turns slot 0 into emptyRest",
        file=HMAP,
        edits=[("                if (i == 0) {\n                    if (b == head) break;  // beginning of the chain",
                "                if (i <= 1) {\n                    if (b == head) break;  // beginning of the chain")],
    ),
    dict(
        name="emptyRest walk does not cross buckets",
        why="the walk stops at slot 0 of an overflow bucket instead of going on in the bucket before it",
        file=HMAP,
        edits=[("                    if (b == head) break;  // beginning of the chain\n",
                "                    break;  // beginning of the chain\n")],
    ),
    # ---- growth: evacuate, growWork, advanceEvacuationMark ---------------------
    dict(
        name="wrong X/Y bit",
        why="evacuate splits an old bucket by hash bit 2^(oldB-1) instead of 2^oldB",
        file=HMAP,
        edits=[("        return (hash_of(k) & newbit) != 0 ? 1u : 0u;",
                "        return (hash_of(k) & (newbit >> 1)) != 0 ? 1u : 0u;")],
    ),
    dict(
        name="growWork skips the written key's bucket",
        why="a write evacuates only the bucket at nevacuate",
        file=HMAP,
        edits=[("        evacuate(bucket_index & oldbucketmask());\n        if (growing()) evacuate(nevacuate_);",
                "        (void)bucket_index;\n        if (growing()) evacuate(nevacuate_);")],
    ),
    dict(
        name="evacuation mark scan stops one bucket short",
        why="advanceEvacuationMark leaves nevacuate on an evacuated bucket",
        file=HMAP,
        edits=[("        while (nevacuate_ != stop && oldbuckets_[nevacuate_].evacuated()) ++nevacuate_;",
                "        while (nevacuate_ + 1 < stop && oldbuckets_[nevacuate_ + 1].evacuated()) ++nevacuate_;")],
    ),
    # (Removing advanceEvacuationMark's first ++nevacuate_ is an equivalent
    # mutant: the scan after it skips the bucket just evacuated anyway.)
    dict(
        name="evacuation mark jumps over a bucket",
        why="advanceEvacuationMark moves past the next bucket without evacuating it",
        file=HMAP,
        edits=[("    void advanceEvacuationMark(size_type newbit) {\n        ++nevacuate_;",
                "    void advanceEvacuationMark(size_type newbit) {\n        nevacuate_ += nevacuate_ + 2 < newbit ? 2 : 1;")],
    ),
    dict(
        name="grow threshold off by one",
        why="overLoadFactor grows at count == 6.5 * 2^B instead of above it",
        file=BMAP,
        edits=[("    return count > bucketCnt && count > 13 * ((std::size_t{1} << B) / 2);",
                "    return count > bucketCnt && count >= 13 * ((std::size_t{1} << B) / 2);")],
    ),
    dict(
        name="minTopHash bump removed",
        why="tophash() returns the hash's top byte even when it collides with the empty/evacuated marks",
        file=BMAP,
        edits=[("    return top < minTopHash ? static_cast<std::uint8_t>(top + minTopHash) : top;",
                "    return top;")],
    ),
    dict(
        name="iteration takes every entry of an old chain",
        why="belongs_to stops filtering an old chain by the new bucket it feeds (Go's checkBucket)",
        file=HMAP,
        edits=[("        return (hash_of(k) & newbit) == (i & newbit);",
                "        (void)k;\n        return true;")],
    ),
    dict(
        name="update of a present key runs no growWork (go_map)",
        why="go_map stops following Go's mapassign, which runs growWork for updates too",
        file=HMAP,
        edits=[("                    if (growing() && !paused()) update_step(hash, p);",
                "                    (void)0;")],
    ),
    dict(
        name="noverflow counts overflow buckets of old chains",
        why="an insert made while range() pauses a grow bumps noverflow",
        file=HMAP,
        edits=[("        if (!for_old_chain) incrnoverflow();", "        incrnoverflow();")],
    ),
    dict(
        name="NaN keeps its tophash through a grow",
        why="evacuate no longer draws a NaN key a new tophash",
        file=HMAP,
        edits=[("                    d.b->tophash[d.i] = nan ? tophash(fastrand64()) : top;",
                "                    (void)nan;\n                    d.b->tophash[d.i] = top;")],
    ),
    # ---- seeds ---------------------------------------------------------------
    dict(
        name="hash0 not re-drawn when the map empties",
        why="mapdelete's reseed at count 0 is gone",
        file=HMAP,
        edits=[("        if (count_ == 0) hash0_ = fastrand64();\n    }",
                "    }")],
    ),
    # ---- exceptions, aliasing, checked mode ---------------------------------------
    dict(
        name="erase(iterator) finds the next entry after the delete",
        why="a throwing Hash escapes after the entry is gone (issue #12, defect 2)",
        file=HMAP,
        edits=[("        pos next = p;\n        ++next.slot;\n        settle(next);\n        write_guard guard(*this);\n        delete_slot(head_of(p), p.b, p.slot);",
                "        write_guard guard(*this);\n        delete_slot(head_of(p), p.b, p.slot);\n        pos next = p;\n        ++next.slot;\n        settle(next);")],
    ),
    dict(
        name="insert builds its entry after the resize step",
        why="an argument that refers into the map is read after the step moved it (issue #12, defect 4)",
        file=HMAP,
        edits=[("        staged_entry e(*this, make);  // may throw: nothing has changed yet\n        if (growing()) growWork(hash & bucket_mask());",
                "        if (growing()) growWork(hash & bucket_mask());"),
               ("    pos insert_after_step(std::uint64_t hash, Make& make) {\n",
                "    pos insert_after_step(std::uint64_t hash, Make& make) {\n        struct later { hmap& h; Make& m; };\n        later l{*this, make};\n"),
               ("        e.install(insertb, inserti);\n        insertb->tophash[inserti] = tophash(hash);",
                "        staged_entry e(l.h, l.m);\n        e.install(insertb, inserti);\n        insertb->tophash[inserti] = tophash(hash);")],
    ),
    dict(
        name="checked-mode flag left set after a throw",
        why="the write guard clears hashWriting only when the write completes",
        file=CHECKED,
        edits=[("        ~write_guard() {\n            if (c.writing_.load(std::memory_order_relaxed) == 0) fatal(\"concurrent map writes\");\n            c.writing_.store(0, std::memory_order_relaxed);",
                "        ~write_guard() {\n            if (std::uncaught_exceptions() > 0) return;\n            if (c.writing_.load(std::memory_order_relaxed) == 0) fatal(\"concurrent map writes\");\n            c.writing_.store(0, std::memory_order_relaxed);")],
    ),

    # ---- gomap::map's flat engine (detail/flat_table.hpp, detail/group.hpp) ----
    dict(
        name="flat: overflow bits not set on the groups an insert passes",
        why="a key placed past a full group is unreachable: lookups stop at the full group",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("                meta[g * group_bytes + overflow_byte] |= overflow_bit(h);",
                "                meta[g * group_bytes + overflow_byte] |= 0;")],
    ),
    dict(
        name="flat: migration does not mark the groups it passes",
        why="an entry moved past a full group of the new array is unreachable there",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("                    meta[g2 * group_bytes + overflow_byte] |= overflow_bit(h);",
                "                    meta[g2 * group_bytes + overflow_byte] |= 0;")],
    ),
    dict(
        name="flat: a new seed keeps the old seed's mix constants",
        why="the map hashes with constants of a seed it no longer has: stored bytes are not the public hash's, and an emptied map is not re-keyed",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("        st.hk = u64_keys(st.hash0);", "        if (st.hk.a == 0) st.hk = u64_keys(st.hash0);")],
    ),
    dict(
        name="flat: iterator slot pointer out of step at a group boundary",
        why="moving to the next group advances the slot pointer one short: iteration reads the wrong slots",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("                    p.e += group_slots - s;", "                    p.e += group_slots - s - 1;")],
    ),
    dict(
        name="flat: lookup ignores the overflow byte",
        why="a probe stops at the home group even when an insert went on past it",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("            if (GOMAP_LIKELY(!group_overflowed(w, h))) return {nullptr, nullptr};",
                "            if (GOMAP_LIKELY(true || !group_overflowed(w, h))) return {nullptr, nullptr};")],
    ),
    dict(
        name="flat: SSE2 match includes the overflow byte",
        why="the 16th byte is matched as a slot, so an overflow byte equal to a reduced hash reads slot 15",
        file=GROUP, tests=FLAT_TESTS,
        edits=[("    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8(static_cast<char>(r))))) &\n           slot_mask_all;",
                "    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8(static_cast<char>(r))))) &\n           0xFFFF;")],
    ),
    dict(
        name="flat: migration cursor jumps over a group",
        why="the entries of one old group are never moved: the array is retired with them inside",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("            if (move_group(a, a->cursor)) ++done;\n            ++a->cursor;",
                "            if (move_group(a, a->cursor)) ++done;\n            a->cursor += 1 + (a->cursor == 3);")],
    ),
    dict(
        name="flat: old array retired while it still holds entries",
        why="retirement tests the cursor against the visit limit instead of the end of the array",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("        if (a->n == 0 || a->cursor == a->groups()) retire_oldest();",
                "        if (a->n == 0 || a->cursor == end) retire_oldest();")],
    ),
    dict(
        name="flat: migration runs inside range()",
        why="entries move while a range() walks the arrays: visited twice or missed",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("        } else if (st_.olds && !paused()) {", "        } else if (st_.olds) {")],
    ),
    dict(
        name="flat: no room check before migrating a group",
        why="after a range() filled the current array, migration overfills it (the review's bug 1)",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("            if (cnt != 0 && st_.n + cnt > st_.ml) {", "            if (false && cnt != 0 && st_.n + cnt > st_.ml) {")],
    ),
    dict(
        name="flat: shrink without hysteresis",
        why="a shrink targets an array the size just fits, so the next few inserts grow it again",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("        const size_type g = std::max(groups_for(2 * st_.size), st_.floor_groups);",
                "        const size_type g = std::max(groups_for(st_.size), st_.floor_groups);")],
    ),
    dict(
        name="flat: erase(iterator) never makes a shrink due",
        why="a map emptied to 1% by erase(it) keeps its large array through later inserts (issue #12, defect 3)",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("        if (st_.size < st_.shrink_at) st_.shrink_due = true;  // the next insert starts it\n", "")],
    ),
    dict(
        name="flat: shrink ignores the reserve floor",
        why="a reserved map shrinks below what the user asked it to hold",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("        const size_type g = std::max(groups_for(2 * st_.size), st_.floor_groups);",
                "        const size_type g = groups_for(2 * st_.size);"),
               ("            st_.mask + 1 <= st_.floor_groups) {", "            false) {")],
    ),
    dict(
        name="flat: no anti-drift",
        why="erasing from overflowed groups never lowers the max load: probes lengthen under churn, no rebuild",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("            if (group_overflowed(w, *p.m) && st_.ml > 0) --st_.ml;", "")],
    ),
    dict(
        name="flat: new array used before its metadata is zeroed",
        why="a pending array is installed after its first 16 KiB chunk: stale bytes read as entries",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("        if (st_.zeroed == total) {", "        if (st_.zeroed >= zero_chunk || st_.zeroed == total) {")],
    ),
    dict(
        name="flat: insert builds its entry after the migration step",
        why="an argument that refers into the map is moved away before it is read",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("        slot_type* e = st_.slots + f.g * group_slots + f.s;\n        construct_in(e, make);",
                "        if (GOMAP_UNLIKELY(resizing())) {\n            step();\n            f = free_slot(h >> st_.shift, h, passed);\n            if (f.s == group_slots) {\n                make_room();\n                f = free_slot(h >> st_.shift, h, passed);\n            }\n        }\n        slot_type* e = st_.slots + f.g * group_slots + f.s;\n        construct_in(e, make);")],
    ),
    dict(
        name="flat: erase(iterator) skips the next entry",
        why="erase(it) returns the entry after the next one: the erase-all loop leaves every other entry",
        file=FLAT, tests=FLAT_TESTS,
        edits=[("        if (st_.size < st_.shrink_at) st_.shrink_due = true;  // the next insert starts it\n        ++p.m;\n        ++p.e;\n        settle(p);",
                "        if (st_.size < st_.shrink_at) st_.shrink_due = true;  // the next insert starts it\n        settle(p);\n        if (live_at(p)) ++p.m, ++p.e, settle(p);")],
    ),

    # ---- the std interface: allocators, node handles, throwing moves (map.hpp) ----
    dict(
        name="flat: migration moves an entry whose move may throw",
        why="a move that throws half-way spoils the entry in its old slot; a copy would have left it whole",
        file=FLAT, tests=["throwing_move_test"],
        edits=[("            value_alloc_traits::construct(va, to, std::move_if_noexcept(const_cast<K&>(from->first)),\n"
                "                                          std::move_if_noexcept(from->second));",
                "            value_alloc_traits::construct(va, to, std::move(const_cast<K&>(from->first)),\n"
                "                                          std::move(from->second));")],
    ),
    dict(
        name="copy assignment builds with the source's allocator when it does not propagate",
        why="the map keeps its own allocator but holds memory from the other one, and frees it with the wrong one",
        file=MAP, tests=["std_allocator_test", "std_conformance_test"],
        edits=[("            basic_map tmp(o, pocca ? o.get_allocator() : get_allocator());",
                "            basic_map tmp(o, o.get_allocator());")],
    ),
    dict(
        name="insert(node) of a present key drops the node",
        why="the caller's entry is destroyed instead of handed back in insert_return_type::node",
        file=MAP, tests=["node_handle_test"],
        edits=[("        if (!r.second) return {r.first, false, std::move(nh)};",
                "        if (!r.second) return {r.first, false, node_type()};")],
    ),
    dict(
        name="merge takes entries whose key is already present",
        why="the source loses entries that the destination did not take",
        file=MAP, tests=["node_handle_test"],
        edits=[("                if (r.second)\n                    it = source.erase(it);",
                "                if (true)\n                    it = source.erase(it);")],
    ),
    dict(
        name="extract moves an entry whose move may throw",
        why="a move that throws half-way leaves a spoiled entry in the map",
        file=MAP, tests=["throwing_move_test"],
        edits=[("            node_type nh(t_.allocator(), std::move_if_noexcept(const_cast<K&>(e.first)),\n"
                "                         std::move_if_noexcept(e.second));",
                "            node_type nh(t_.allocator(), std::move(const_cast<K&>(e.first)),\n"
                "                         std::move(e.second));")],
    ),
    # ---- concurrent_map: one hash per operation, a seed shared by the shards ----
    dict(
        name="a shard re-draws its seed when it empties",
        why="the concurrent_map's hash no longer matches the shard's: keys inserted after the shard emptied are not found",
        file=FLAT, tests=["concurrent_map_test"],
        edits=[("        if (st.fixed_seed) return;\n", "")],
    ),
    dict(
        name="giving the arrays back forgets the fixed seed",
        why="the next re-draw (clear, the map emptying) changes a shard's seed under its concurrent_map",
        file=FLAT, tests=["concurrent_map_test"],
        edits=[("        st_.fixed_seed = keep.fixed_seed;\n", "")],
    ),
    dict(
        name="the shard comes from the hash's top bits",
        why="the keys of a shard all start their probes in the same 1/2^s of its groups",
        file=CMAP, tests=["concurrent_map_test"],
        edits=[("        return static_cast<std::size_t>(h >> shard_shift) & (n_ - 1);",
                "        return static_cast<std::size_t>(h >> 56) & (n_ - 1);")],
    ),
    # ---- concurrent_map's shard lock: the reader bias ----------------------------
    dict(
        name="a writer that turns the bias off does not wait for the biased readers",
        why="a writer changes the shard while a biased reader is probing it",
        file=RWMUTEX, tests=["concurrent_map_test"],
        edits=[("                    wait_for_biased_readers();\n", "")],
    ),
    dict(
        name="a writer leaves the bias on",
        why="biased readers keep coming in while the writer changes the shard",
        file=RWMUTEX, tests=["concurrent_map_test"],
        edits=[("            } else if (state_.compare_exchange_weak(s, (s | kWriter) & ~kBiased, std::memory_order_seq_cst,",
                "            } else if (state_.compare_exchange_weak(s, s | kWriter, std::memory_order_seq_cst,")],
    ),
    dict(
        name="a write does not end the streak of reads",
        why="shards that are written between reads turn biased, and every write pays the scan of the rows",
        file=RWMUTEX, tests=["concurrent_map_test"],
        edits=[("        streak_.store(0, std::memory_order_relaxed);  // a write ends the streak of reads\n", "")],
    ),
    dict(
        name="a revocation does not lengthen the next streak",
        why="a shard read 64 times then written pays a heavy fence (an interrupt to every core) on every write",
        file=RWMUTEX, tests=["concurrent_map_test"],
        edits=[("                    if (b < kBackoffMax) backoff_.store(static_cast<std::uint8_t>(b + 1), std::memory_order_relaxed);\n",
                "                    (void)b;\n")],
    ),
    dict(
        name="threads share reader rows",
        why="two biased readers store to one flag: the first out clears it while the second reads, and a writer walks in",
        file=RWMUTEX, tests=["concurrent_map_test"],
        edits=[("    row = reader_row_owners::get().take();\n",
                "    row = thread_number() & (reader_slot_count() - 1);\n"),
               ("            reader_row_owners::get().give_back(r);\n", "")],
    ),
    dict(
        name="a read nested in a biased read sets the flag again",
        why="the inner read's unlock clears the outer read's flag, and a writer walks in beside the outer read",
        file=RWMUTEX, tests=["concurrent_map_test"],
        edits=[("                if (f.load(std::memory_order_relaxed) == 0) {\n",
                "                if (true) {\n")],
    ),
    dict(
        name="the row stays in the thread after it is given back",
        why="a destructor that runs later reads through a row another thread may own by then",
        file=RWMUTEX, tests=["concurrent_map_test"],
        edits=[("            r = reader_row_owners::none;\n", "")],
    ),
    dict(
        name="a thread that ends keeps its reader row",
        why="once as many threads as rows have come and gone, every new reader reads the counted way",
        file=RWMUTEX, tests=["concurrent_map_test"],
        edits=[("            reader_row_owners::get().give_back(r);\n", "")],
    ),
]

// gomap-lab trace-delete: Go's mapdelete walk-through on a live go_map.
// Golden text (the lab's hash makes the buckets reproducible), and the rules
// the walk-through must show: emptyOne when an entry may follow, emptyRest
// walking backwards when none does, hash0 re-drawn when the map empties.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lab_run.hpp"

using labtest::lines_of;
using labtest::run_lab;

namespace {

// The "after" chain line of each traced key (cells only).
std::vector<std::string> after_lines(const std::string& out) {
    std::vector<std::string> v;
    const auto lines = lines_of(out);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i)
        if (lines[i] == "  after") v.push_back(lines[i + 1]);
    return v;
}

TEST(LabTraceDelete, WalkThroughIsGolden) {
    // In bucket new[0] (--seed 1): 12 leaves an emptyOne (an entry follows);
    // 14 is followed by emptyRest, so it becomes emptyRest; 13 then turns
    // itself and the emptyOne left by 12 into emptyRest, walking backwards.
    const auto r = run_lab({"trace-delete", "12", "14", "13"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(labtest::golden_diff("trace_delete.txt", labtest::mask_hash0(r.out)), "");

    const auto after = after_lines(r.out);
    ASSERT_EQ(after.size(), 3u);
    EXPECT_NE(after[0].find("63:9  one   9b:13 3d:14 rest"), std::string::npos) << after[0];
    EXPECT_NE(after[1].find("63:9  one   9b:13 rest  rest"), std::string::npos) << after[1];
    EXPECT_NE(after[2].find("63:9  rest  rest  rest  rest"), std::string::npos) << after[2];
    EXPECT_NE(r.out.find("       slot 4 -> emptyRest\n       slot 3 (emptyOne) -> emptyRest\n"
                         "     and the walk stops at slot 2, which holds an entry."),
              std::string::npos);
    EXPECT_EQ(r.out.find("re-drawn"), std::string::npos) << "the map never emptied";
    EXPECT_EQ(r.out.find("differ from Go's rule"), std::string::npos);
}

TEST(LabTraceDelete, WalkCrossesFromAnOverflowBucketIntoTheOneBeforeIt) {
    // 26 keys (--seed 1): new[0] holds 8 entries and an overflow bucket with
    // key 24. Deleting 21 leaves an emptyOne at head slot 6; deleting 24 turns
    // overflow slot 0 into emptyRest and stops at head slot 7 (key 22);
    // deleting 22 walks back from head slot 7 over the emptyOne at slot 6. The
    // empty overflow bucket stays: go_map frees nothing.
    const auto r = run_lab({"trace-delete", "--n", "26", "21", "24", "22"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(labtest::golden_diff("trace_delete_chain.txt", labtest::mask_hash0(r.out)), "");
    EXPECT_NE(r.out.find("       overflow 1 slot 0 -> emptyRest\n"
                         "     and the walk stops at head slot 7, which holds an entry."),
              std::string::npos);
    EXPECT_NE(r.out.find("       head slot 7 -> emptyRest\n       head slot 6 (emptyOne) -> emptyRest\n"),
              std::string::npos);
    const auto after = after_lines(r.out);
    ASSERT_EQ(after.size(), 3u);
    EXPECT_NE(after[2].find("3d:14 rest  rest  | -> overflow"), std::string::npos) << after[2];
    EXPECT_NE(r.out.find("bytes 720 -> 720"), std::string::npos);
}

TEST(LabTraceDelete, EmptyingTheMapRedrawsHash0) {
    const auto r = run_lab({"trace-delete", "--n", "3", "0", "1", "2"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(labtest::golden_diff("trace_delete_empty.txt", labtest::mask_hash0(r.out)), "");
    // The last delete walks back to the start of the chain and re-draws hash0.
    EXPECT_NE(r.out.find("and the walk stops at the start of the chain."), std::string::npos);
    // "     hash0 0x<16 hex> -> 0x<16 hex>."
    const auto at = r.out.find("     hash0 0x");
    ASSERT_NE(at, std::string::npos);
    const std::string before = r.out.substr(at + 11, 18), after = r.out.substr(at + 11 + 18 + 4, 18);
    ASSERT_EQ(r.out.substr(at + 11 + 18, 4), " -> ");
    const std::string first = lines_of(r.out).at(2);  // "hash0 0x..." of the new map
    EXPECT_EQ(first, "hash0 " + before) << "unchanged until count reached 0";
    EXPECT_NE(before, after) << "a fresh seed (equal only with probability 2^-64)";
    EXPECT_EQ(after_lines(r.out).back().find(":"), std::string::npos) << "no entry left";
}

TEST(LabTraceDelete, AbsentKeyIsReportedTheRestStillRunsAndExitIsOne) {
    const auto r = run_lab({"trace-delete", "--n", "10", "4", "42", "4", "5"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("delete(m, 42)\n  42 is not in the map"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("delete(m, 4)\n  4 is not in the map"), std::string::npos) << "deleted just before";
    EXPECT_NE(r.out.find("delete(m, 5)\n  hash"), std::string::npos)
        << "keys after an absent one are still traced";
    EXPECT_NE(r.out.find("count 9 -> 8"), std::string::npos);
    EXPECT_EQ(r.err, "gomap-lab trace-delete: not in the map: 42, 4\n");
}

TEST(LabTraceDelete, KeyStillInTheOldArrayDuringAGrow) {
    // 27 keys: the insert of key 26 starts a grow to B = 3 and evacuates only
    // old[0] and old[1] (--seed 1); key 1 is still in old[2].
    const auto r = run_lab({"trace-delete", "--n", "27", "1"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("a resize in progress"), std::string::npos);
    EXPECT_NE(r.out.find("found in old[2], slot 0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(growWork)"), std::string::npos);
}

TEST(LabTraceDelete, RealHashStillExplainsTheSameWay) {
    const auto r = run_lab({"trace-delete", "--real-hash", "--n", "50", "7", "8"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("gomap::hash<int64_t> keyed by hash0"), std::string::npos);
    EXPECT_EQ(after_lines(r.out).size(), 2u) << "50 keys: the grow to B = 3 is long finished";
    EXPECT_EQ(r.out.find("differ from Go's rule"), std::string::npos);
}

}  // namespace

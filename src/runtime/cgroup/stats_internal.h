// Internals of the cgroup statistics (see stats.h), exposed for unit tests,
// which call the readers with a FakeCgroupFs and fabricated files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/cgroup_fs.h"
#include "runtime/cgroup/stats.h"

namespace inclavare::runtime::cgroup::internal {

// v1: reads every mounted hierarchy in paths (controller -> dir).
Result<Stats> ReadV1Stats(CgroupFs& fs, const Paths& paths, const std::vector<std::string>& hugepage_sizes);
// v2: reads the unified directory dir.
Result<Stats> ReadV2Stats(CgroupFs& fs, const std::string& dir,
                          const std::vector<std::string>& hugepage_sizes);

// --- parsers shared by the v1 and v2 readers; `what` names the file in errors ---

// A single unsigned value: "max" -> UINT64_MAX, a negative number -> 0
// (runc's GetCgroupParamUint), surrounding whitespace allowed.
Result<uint64_t> ParseStatUint(std::string_view text, const std::string& what);

// Reads dir/file with ParseStatUint. A missing file is kNotFound.
Result<uint64_t> ReadStatUint(CgroupFs& fs, const std::string& dir, const std::string& file);
// As ReadStatUint, but a missing file gives nullopt.
Result<std::optional<uint64_t>> ReadOptionalStatUint(CgroupFs& fs, const std::string& dir,
                                                     const std::string& file);

// "key value" lines (memory.stat, cpu.stat, memory.events, ...), in file
// order. Blank lines are skipped; anything else malformed is an error.
Result<std::vector<std::pair<std::string, uint64_t>>> ParseKeyValues(std::string_view text,
                                                                     const std::string& what);

// A cpuset list "0-3,5" -> {0,1,2,3,5}; "" -> {}.
Result<std::vector<uint16_t>> ParseCpuList(std::string_view text, const std::string& what);

// A v1 blkio file: "8:0 Read 4096" / "8:0 6792" lines; "Total N" lines are
// skipped.
Result<std::vector<BlkioEntry>> ParseBlkioFile(std::string_view text, const std::string& what);

// "hugepages-2048kB" -> "2MB", "hugepages-1048576kB" -> "1GB",
// "hugepages-64kB" -> "64KB"; nullopt for other names.
std::optional<std::string> HugePageSizeName(std::string_view dir_name);

}  // namespace inclavare::runtime::cgroup::internal

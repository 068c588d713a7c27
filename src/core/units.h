// core/units.h: the one parser for sizes and the one parser for durations.
//
// Every front door (pipeline YAML, the C++ RunConfiguration, the CLI flags, the workspace
// config) calls these, so `4Gi` or `30:00` means the same wherever it is written.
//
// Size grammar (case-insensitive unit, optional spaces before it):
//   size   := number [unit]
//   number := digits ["." digits]            (no sign: sizes are never negative)
//   unit   := "" | "B"                        bytes
//           | K | M | G | T | P  followed by optional "i" and optional "B"
// K, M, G, T and P are powers of 1024, as in Slurm and Docker: `4G` = `4Gi` = `4GB` =
// `4GiB` = 4 * 2^30 bytes; `512M` = 512 * 2^20; `10MB` = 10 * 2^20; `1048576` = 1 MiB.
// Fractions are rounded up to a whole byte (`1.5K` = 1536).
//
// Duration grammar (a result in whole seconds):
//   plain seconds        90
//   unit forms           90s, 30m, 2h, 1d, 1h30m, 1d12h, 1.5h (d, h, m, s, in that order)
//   clock forms (Slurm)  MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS
// so `30:00` = 30m = 1800 and `1-00:00:00` = 1d = 86400. In clock forms every field after
// the first is below 60 (hours below 24 after a day). Unlike sbatch, a plain number is
// seconds, not minutes (as Azure ML's `limits.timeout`).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace runnel {

// What the accepted forms look like, for error messages.
inline constexpr const char* kSizeForms = "a size such as 512M, 4Gi, 10MB, 1.5G or 1048576 (bytes)";
inline constexpr const char* kDurationForms =
    "a duration such as 90 (seconds), 90s, 30m, 2h, 1h30m, 1d, 30:00 (MM:SS), 01:30:00 "
    "(HH:MM:SS) or 1-00:00:00 (D-HH:MM:SS)";

// Bytes, or nullopt when `text` is not in the size grammar (or above 2^62 bytes).
std::optional<int64_t> try_parse_size(std::string_view text);

// Seconds, or nullopt when `text` is not in the duration grammar (or above 2^40 s).
std::optional<int64_t> try_parse_duration(std::string_view text);

// Bytes. Throws Error(kInvalidArgument) "<key> '<text>': not a size; give <kSizeForms>".
int64_t parse_size(std::string_view text, std::string_view key);

// Seconds. Throws Error(kInvalidArgument) naming `key` and kDurationForms.
int64_t parse_duration(std::string_view text, std::string_view key);

// A memory amount in whole MiB (rounded up), as resources store it. "" gives 0.
// Throws Error(kInvalidArgument) naming `key` for a bad size, and for a plain number
// below 1 MiB (`memory: 4000` is 4000 bytes; the message suggests `4000M`).
int64_t parse_memory_mb(std::string_view text, std::string_view key);

// A time limit in whole seconds, > 0. "" gives 0. Throws naming `key` when bad or <= 0.
int64_t parse_time_limit_s(std::string_view text, std::string_view key);

}  // namespace runnel

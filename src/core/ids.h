// core/ids.h: run ids and times.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace runnel {

// A new pipeline run id: "<yyyymmdd>-<hhmmss>-<6 hex>" (UTC; sortable, readable).
std::string new_pipeline_run_id();
// A new step run id: 12 random hex characters.
std::string new_step_run_id();
// Milliseconds since the Unix epoch.
int64_t now_ms();
// "2026-11-27 00:31:02" (local time) for a ms timestamp; "" for 0.
std::string format_time(int64_t ms);
// ISO 8601 UTC "2026-11-27T00:31:02.123Z"; "" for 0.
std::string format_time_iso(int64_t ms);
// This machine's host name ("" when unknown).
std::string host_name();
// "1.2s", "3m04s", "1h02m".
std::string format_duration(int64_t ms);

}  // namespace runnel

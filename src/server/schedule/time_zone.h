// server/schedule/time_zone.h: schedule time zones from the system's tz database (tzdata,
// read by Google's cctz), and the wall-clock ↔ instant rules every trigger shares.
//
// A zone is named as in the Azure ML SDKs — the v1 `TimeZone` constants are Windows names
// ("Pacific Standard Time", "W. Europe Standard Time", "UTC") — or by its IANA name
// ("America/Los_Angeles"). Windows names map to IANA through the CLDR "001" table
// (windowsZones.xml) for the zones listed in time_zone.cc.
// Thread-safety: stateless; cctz caches zones behind its own lock.
#pragma once

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <cstdint>
#include <string>

namespace runnel::schedule {

// The IANA name for `name` (a Windows name is mapped, an IANA name is returned as is).
// Throws Error(kInvalidArgument) naming `field` when the zone is unknown to tzdata.
std::string iana_zone_name(const std::string& name, const std::string& field = "time_zone");
// The loaded zone (same errors as iana_zone_name). "" is UTC.
cctz::time_zone load_zone(const std::string& name, const std::string& field = "time_zone");

// The instant (seconds since the epoch) of a wall-clock time in `tz`. A time that does not
// exist (skipped by a spring-forward change, e.g. 02:30) maps to the instant it would be
// with the offset before the change (03:30 after a one-hour jump), as cron does; a time
// that occurs twice (fall back) maps to its first occurrence.
int64_t civil_to_instant(const cctz::civil_second& cs, const cctz::time_zone& tz);
// The wall-clock time of an instant in `tz`.
cctz::civil_second instant_to_civil(int64_t seconds, const cctz::time_zone& tz);

// "2026-03-08T02:30:00" (seconds optional, "YYYY-MM-DD" alone is midnight; a trailing "Z"
// or "+hh:mm" is refused unless `allow_offset`, when the time is converted into `tz`).
// Throws Error(kInvalidArgument) naming `field` with the accepted forms.
cctz::civil_second parse_civil_time(const std::string& text, const std::string& field,
                                    const cctz::time_zone& tz, bool allow_offset = true);
std::string format_civil(const cctz::civil_second& cs);  // "2026-03-08T02:30:00"

}  // namespace runnel::schedule

#include "server/schedule/time_zone.h"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <chrono>
#include <cstdio>
#include <map>

#include "runnel/error.h"

namespace runnel::schedule {

namespace {

// Windows zone names (the v1 SDK's TimeZone values) → IANA, from CLDR's windowsZones.xml
// (territory "001"). A name not listed here must be an IANA name.
const std::map<std::string, std::string>& windows_zones() {
  static const std::map<std::string, std::string> kZones = {
      {"Dateline Standard Time", "Etc/GMT+12"},
      {"UTC-11", "Etc/GMT+11"},
      {"Hawaiian Standard Time", "Pacific/Honolulu"},
      {"Alaskan Standard Time", "America/Anchorage"},
      {"Pacific Standard Time (Mexico)", "America/Tijuana"},
      {"Pacific Standard Time", "America/Los_Angeles"},
      {"US Mountain Standard Time", "America/Phoenix"},
      {"Mountain Standard Time (Mexico)", "America/Mazatlan"},
      {"Mountain Standard Time", "America/Denver"},
      {"Central America Standard Time", "America/Guatemala"},
      {"Central Standard Time", "America/Chicago"},
      {"Central Standard Time (Mexico)", "America/Mexico_City"},
      {"Canada Central Standard Time", "America/Regina"},
      {"SA Pacific Standard Time", "America/Bogota"},
      {"Eastern Standard Time", "America/New_York"},
      {"Eastern Standard Time (Mexico)", "America/Cancun"},
      {"US Eastern Standard Time", "America/Indiana/Indianapolis"},
      {"Venezuela Standard Time", "America/Caracas"},
      {"Atlantic Standard Time", "America/Halifax"},
      {"SA Western Standard Time", "America/La_Paz"},
      {"Central Brazilian Standard Time", "America/Cuiaba"},
      {"Pacific SA Standard Time", "America/Santiago"},
      {"Newfoundland Standard Time", "America/St_Johns"},
      {"E. South America Standard Time", "America/Sao_Paulo"},
      {"Argentina Standard Time", "America/Argentina/Buenos_Aires"},
      {"SA Eastern Standard Time", "America/Cayenne"},
      {"Greenland Standard Time", "America/Nuuk"},
      {"Montevideo Standard Time", "America/Montevideo"},
      {"UTC-02", "Etc/GMT+2"},
      {"Azores Standard Time", "Atlantic/Azores"},
      {"Cape Verde Standard Time", "Atlantic/Cape_Verde"},
      {"Morocco Standard Time", "Africa/Casablanca"},
      {"UTC", "Etc/UTC"},
      {"Coordinated Universal Time", "Etc/UTC"},
      {"GMT Standard Time", "Europe/London"},
      {"Greenwich Standard Time", "Atlantic/Reykjavik"},
      {"W. Europe Standard Time", "Europe/Berlin"},
      {"Central Europe Standard Time", "Europe/Budapest"},
      {"Romance Standard Time", "Europe/Paris"},
      {"Central European Standard Time", "Europe/Warsaw"},
      {"W. Central Africa Standard Time", "Africa/Lagos"},
      {"Jordan Standard Time", "Asia/Amman"},
      {"GTB Standard Time", "Europe/Bucharest"},
      {"Middle East Standard Time", "Asia/Beirut"},
      {"Egypt Standard Time", "Africa/Cairo"},
      {"E. Europe Standard Time", "Europe/Chisinau"},
      {"Syria Standard Time", "Asia/Damascus"},
      {"South Africa Standard Time", "Africa/Johannesburg"},
      {"FLE Standard Time", "Europe/Kyiv"},
      {"Israel Standard Time", "Asia/Jerusalem"},
      {"Kaliningrad Standard Time", "Europe/Kaliningrad"},
      {"Arabic Standard Time", "Asia/Baghdad"},
      {"Turkey Standard Time", "Europe/Istanbul"},
      {"Arab Standard Time", "Asia/Riyadh"},
      {"Belarus Standard Time", "Europe/Minsk"},
      {"Russian Standard Time", "Europe/Moscow"},
      {"E. Africa Standard Time", "Africa/Nairobi"},
      {"Iran Standard Time", "Asia/Tehran"},
      {"Arabian Standard Time", "Asia/Dubai"},
      {"Azerbaijan Standard Time", "Asia/Baku"},
      {"Russia Time Zone 3", "Europe/Samara"},
      {"Mauritius Standard Time", "Indian/Mauritius"},
      {"Georgian Standard Time", "Asia/Tbilisi"},
      {"Caucasus Standard Time", "Asia/Yerevan"},
      {"Afghanistan Standard Time", "Asia/Kabul"},
      {"West Asia Standard Time", "Asia/Tashkent"},
      {"Ekaterinburg Standard Time", "Asia/Yekaterinburg"},
      {"Pakistan Standard Time", "Asia/Karachi"},
      {"India Standard Time", "Asia/Kolkata"},
      {"Sri Lanka Standard Time", "Asia/Colombo"},
      {"Nepal Standard Time", "Asia/Kathmandu"},
      {"Central Asia Standard Time", "Asia/Almaty"},
      {"Bangladesh Standard Time", "Asia/Dhaka"},
      {"N. Central Asia Standard Time", "Asia/Novosibirsk"},
      {"Myanmar Standard Time", "Asia/Yangon"},
      {"SE Asia Standard Time", "Asia/Bangkok"},
      {"North Asia Standard Time", "Asia/Krasnoyarsk"},
      {"China Standard Time", "Asia/Shanghai"},
      {"North Asia East Standard Time", "Asia/Irkutsk"},
      {"Singapore Standard Time", "Asia/Singapore"},
      {"W. Australia Standard Time", "Australia/Perth"},
      {"Taipei Standard Time", "Asia/Taipei"},
      {"Ulaanbaatar Standard Time", "Asia/Ulaanbaatar"},
      {"Tokyo Standard Time", "Asia/Tokyo"},
      {"Korea Standard Time", "Asia/Seoul"},
      {"Yakutsk Standard Time", "Asia/Yakutsk"},
      {"Cen. Australia Standard Time", "Australia/Adelaide"},
      {"AUS Central Standard Time", "Australia/Darwin"},
      {"E. Australia Standard Time", "Australia/Brisbane"},
      {"AUS Eastern Standard Time", "Australia/Sydney"},
      {"West Pacific Standard Time", "Pacific/Port_Moresby"},
      {"Tasmania Standard Time", "Australia/Hobart"},
      {"Vladivostok Standard Time", "Asia/Vladivostok"},
      {"Russia Time Zone 10", "Asia/Srednekolymsk"},
      {"Central Pacific Standard Time", "Pacific/Guadalcanal"},
      {"Russia Time Zone 11", "Asia/Kamchatka"},
      {"New Zealand Standard Time", "Pacific/Auckland"},
      {"UTC+12", "Etc/GMT-12"},
      {"Fiji Standard Time", "Pacific/Fiji"},
      {"Tonga Standard Time", "Pacific/Tongatapu"},
      {"Samoa Standard Time", "Pacific/Apia"},
      {"Line Islands Standard Time", "Pacific/Kiritimati"},
  };
  return kZones;
}

}  // namespace

std::string iana_zone_name(const std::string& name, const std::string& field) {
  if (name.empty()) return "Etc/UTC";
  auto it = windows_zones().find(name);
  std::string iana = it == windows_zones().end() ? name : it->second;
  cctz::time_zone tz;
  if (!cctz::load_time_zone(iana, &tz))
    throw invalid_argument(field + ": unknown time zone '" + name +
                           "'; use a Windows name of the Azure ML SDK's TimeZone (e.g. \"Pacific "
                           "Standard Time\", \"UTC\") or an IANA name from the system's tz "
                           "database (e.g. \"Europe/Berlin\"; see /usr/share/zoneinfo)");
  return iana;
}

cctz::time_zone load_zone(const std::string& name, const std::string& field) {
  cctz::time_zone tz;
  cctz::load_time_zone(iana_zone_name(name, field), &tz);
  return tz;
}

int64_t civil_to_instant(const cctz::civil_second& cs, const cctz::time_zone& tz) {
  return tz.lookup(cs).pre.time_since_epoch().count();
}

cctz::civil_second instant_to_civil(int64_t seconds, const cctz::time_zone& tz) {
  return cctz::convert(cctz::time_point<cctz::seconds>(cctz::seconds(seconds)), tz);
}

cctz::civil_second parse_civil_time(const std::string& text, const std::string& field,
                                    const cctz::time_zone& tz, bool allow_offset) {
  const cctz::time_zone utc = cctz::utc_time_zone();
  cctz::time_point<cctz::seconds> tp;
  if (allow_offset)
    for (const char* f : {"%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%dT%H:%M%Ez"})
      if (cctz::parse(f, text, utc, &tp)) return cctz::convert(tp, tz);
  for (const char* f : {"%Y-%m-%dT%H:%M:%E*S", "%Y-%m-%d %H:%M:%E*S", "%Y-%m-%dT%H:%M",
                        "%Y-%m-%d %H:%M", "%Y-%m-%d"})
    if (cctz::parse(f, text, utc, &tp)) return cctz::convert(tp, utc);
  throw invalid_argument(field + ": '" + text + "' is not a start time; write YYYY-MM-DDThh:mm:ss" +
                         (allow_offset ? std::string(" (optionally with Z or +hh:mm)")
                                       : std::string(" without an offset")) +
                         ", in the schedule's time_zone");
}

std::string format_civil(const cctz::civil_second& cs) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", static_cast<int>(cs.year()),
                cs.month(), cs.day(), cs.hour(), cs.minute(), cs.second());
  return buf;
}

}  // namespace runnel::schedule

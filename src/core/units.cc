// core/units.cc: the size and duration grammars of units.h, as small hand-written scanners
// (bounded, no regex and no recursion: the input is user-sized).
#include "core/units.h"

#include <cctype>
#include <cmath>

#include "runnel/error.h"

namespace runnel {

namespace {

constexpr int64_t kMaxSize = int64_t{1} << 62;
constexpr int64_t kMaxDuration = int64_t{1} << 40;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Reads digits ["." digits] from the front of `s`; nullopt when there is no digit first or
// the number is absurdly long. `integer_only` refuses a fraction.
std::optional<double> take_number(std::string_view& s, bool integer_only = false) {
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0) return std::nullopt;
  if (!integer_only && i < s.size() && s[i] == '.') {
    size_t j = i + 1;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i + 1) return std::nullopt;  // "1." is not a number
    i = j;
  }
  if (i > 24) return std::nullopt;
  std::string digits(s.substr(0, i));
  s.remove_prefix(i);
  return std::strtod(digits.c_str(), nullptr);
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::optional<int64_t> clock_form(std::string_view s) {
  // [D-]A[:B[:C]] with at least one ':' or a day part.
  int64_t days = -1;
  if (auto dash = s.find('-'); dash != std::string_view::npos) {
    std::string_view d = s.substr(0, dash);
    auto n = take_number(d, true);
    if (!n || !d.empty()) return std::nullopt;
    days = static_cast<int64_t>(*n);
    s.remove_prefix(dash + 1);
  }
  int64_t f[3] = {0, 0, 0};
  int count = 0;
  while (true) {
    if (count == 3) return std::nullopt;
    auto n = take_number(s, true);
    if (!n) return std::nullopt;
    f[count++] = static_cast<int64_t>(*n);
    if (s.empty()) break;
    if (s.front() != ':') return std::nullopt;
    s.remove_prefix(1);
  }
  if (days < 0) {
    // MM:SS or HH:MM:SS (a lone number is not a clock form).
    if (count == 2) {
      if (f[1] >= 60) return std::nullopt;
      return f[0] * 60 + f[1];
    }
    if (count == 3) {
      if (f[1] >= 60 || f[2] >= 60) return std::nullopt;
      return f[0] * 3600 + f[1] * 60 + f[2];
    }
    return std::nullopt;
  }
  // D-HH, D-HH:MM, D-HH:MM:SS
  if (f[0] >= 24 || f[1] >= 60 || f[2] >= 60) return std::nullopt;
  if (days > kMaxDuration / 86400) return std::nullopt;
  return days * 86400 + f[0] * 3600 + f[1] * 60 + f[2];
}

std::optional<int64_t> unit_form(std::string_view s) {
  static constexpr struct {
    char unit;
    int64_t seconds;
  } kUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  double total = 0;
  size_t next_unit = 0;  // units appear in order d, h, m, s, each at most once
  while (!s.empty()) {
    auto n = take_number(s);
    if (!n || s.empty()) return std::nullopt;
    char u = lower(s.front());
    s.remove_prefix(1);
    size_t k = next_unit;
    while (k < 4 && kUnits[k].unit != u) ++k;
    if (k == 4) return std::nullopt;
    total += *n * static_cast<double>(kUnits[k].seconds);
    next_unit = k + 1;
  }
  if (total > static_cast<double>(kMaxDuration)) return std::nullopt;
  return static_cast<int64_t>(std::llround(total));
}

std::string quoted(std::string_view key, std::string_view text) {
  std::string k(key);
  return (k.empty() ? "" : k + " ") + "'" + std::string(text) + "'";
}

}  // namespace

std::optional<int64_t> try_parse_size(std::string_view text) {
  std::string_view s = trim(text);
  auto n = take_number(s);
  if (!n) return std::nullopt;
  s = trim(s);
  double mult = 1;
  if (!s.empty()) {
    const char* kPrefixes = "kmgtp";
    char p = lower(s.front());
    size_t idx = 0;
    while (kPrefixes[idx] && kPrefixes[idx] != p) ++idx;
    if (kPrefixes[idx]) {
      mult = std::pow(1024.0, static_cast<double>(idx + 1));
      s.remove_prefix(1);
      if (!s.empty() && lower(s.front()) == 'i') s.remove_prefix(1);
    }
    if (!s.empty() && lower(s.front()) == 'b') s.remove_prefix(1);
    if (!s.empty()) return std::nullopt;
  }
  double bytes = std::ceil(*n * mult);
  if (bytes > static_cast<double>(kMaxSize)) return std::nullopt;
  return static_cast<int64_t>(bytes);
}

std::optional<int64_t> try_parse_duration(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty() || s.size() > 40) return std::nullopt;
  bool all_digits = true;
  for (char c : s) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  if (all_digits) {
    if (s.size() > 12) return std::nullopt;
    return std::stoll(std::string(s));
  }
  if (s.find(':') != std::string_view::npos || s.find('-') != std::string_view::npos)
    return clock_form(s);
  return unit_form(s);
}

int64_t parse_size(std::string_view text, std::string_view key) {
  auto v = try_parse_size(text);
  if (!v) throw invalid_argument(quoted(key, text) + ": not a size; give " + kSizeForms);
  return *v;
}

int64_t parse_duration(std::string_view text, std::string_view key) {
  auto v = try_parse_duration(text);
  if (!v) throw invalid_argument(quoted(key, text) + ": not a duration; give " + kDurationForms);
  return *v;
}

int64_t parse_memory_mb(std::string_view text, std::string_view key) {
  if (trim(text).empty()) return 0;
  int64_t bytes = parse_size(text, key);
  constexpr int64_t kMiB = 1024 * 1024;
  bool plain = !text.empty() && std::isdigit(static_cast<unsigned char>(trim(text).back()));
  if (plain && bytes < kMiB)
    throw invalid_argument(quoted(key, text) + ": a plain number is bytes, and " +
                           std::string(trim(text)) + " bytes is less than 1 MiB; write " +
                           std::string(trim(text)) + "M for megabytes (or 4G, 512Mi, ...)");
  if (bytes == 0)
    throw invalid_argument(quoted(key, text) + ": memory must be more than 0; give " + kSizeForms);
  return (bytes + kMiB - 1) / kMiB;
}

int64_t parse_time_limit_s(std::string_view text, std::string_view key) {
  if (trim(text).empty()) return 0;
  int64_t s = parse_duration(text, key);
  if (s <= 0)
    throw invalid_argument(quoted(key, text) + ": a time limit must be more than 0 s; give " +
                           kDurationForms);
  if (s > (int64_t{1} << 30))
    throw invalid_argument(quoted(key, text) +
                           ": a time limit must be at most 2^30 s (about 34 years)");
  return s;
}

}  // namespace runnel

// Column type inference and conversion (data/column_types.h).
#include "data/column_types.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "runnel/error.h"

namespace runnel::internal {

namespace {

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<int64_t> parse_int(std::string_view s) {
  std::string_view d = s;
  if (!d.empty() && (d[0] == '+' || d[0] == '-')) d.remove_prefix(1);
  if (!is_digits(d) || (d.size() > 1 && d[0] == '0')) return std::nullopt;
  int64_t v = 0;
  const char* b = s.data() + (s[0] == '+' ? 1 : 0);
  auto r = std::from_chars(b, s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_float(std::string_view s) {
  std::string l = lower(s);
  std::string_view body = l;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-'))
    neg = body[0] == '-', body.remove_prefix(1);
  if (body == "nan") return std::nan("");
  if (body == "inf" || body == "infinity") return neg ? -HUGE_VAL : HUGE_VAL;
  // digits [. digits] | . digits, then optional exponent: checked by hand so that
  // strtod's hex floats and leading spaces are not accepted.
  size_t i = 0, int_digits = 0, frac_digits = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++int_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  if (int_digits > 1 && body[0] == '0') return std::nullopt;  // "007": a code, not a number
  if (i < body.size() && body[i] == 'e') {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    if (!is_digits(body.substr(i))) return std::nullopt;
    i = body.size();
  }
  if (i != body.size()) return std::nullopt;
  return std::strtod(l.c_str(), nullptr);
}

std::optional<bool> parse_bool(std::string_view s) {
  std::string l = lower(s);
  if (l == "true") return true;
  if (l == "false") return false;
  return std::nullopt;
}

struct Date {
  int y = 0, m = 0, d = 0;
  std::string time;  // normalized "THH:MM:SS[.fff][offset]" or ""
};

bool valid_date(int y, int m, int d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

// Parses "HH:MM[:SS[.f+]][Z|(+|-)HH[:]MM]"; returns the normalized form or nullopt.
std::optional<std::string> parse_time(std::string_view t) {
  auto two = [&](size_t at, int max) -> int {
    if (at + 2 > t.size() || !is_digits(t.substr(at, 2))) return -1;
    int v = (t[at] - '0') * 10 + (t[at + 1] - '0');
    return v > max ? -1 : v;
  };
  int hh = two(0, 23);
  if (hh < 0 || t.size() < 5 || t[2] != ':' || two(3, 59) < 0) return std::nullopt;
  std::string out = "T" + std::string(t.substr(0, 5));
  size_t i = 5;
  if (i < t.size() && t[i] == ':') {
    if (two(i + 1, 60) < 0) return std::nullopt;
    out += std::string(t.substr(i, 3));
    i += 3;
    if (i < t.size() && t[i] == '.') {
      size_t j = i + 1;
      while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
      if (j == i + 1) return std::nullopt;
      out += std::string(t.substr(i, j - i));
      i = j;
    }
  } else {
    out += ":00";
  }
  std::string_view tz = t.substr(i);
  if (tz.empty()) return out;
  if (tz == "Z" || tz == "z") return out + "Z";
  if (tz[0] != '+' && tz[0] != '-') return std::nullopt;
  std::string_view off = tz.substr(1);
  std::string digits;
  if (off.size() == 5 && off[2] == ':')
    digits = std::string(off.substr(0, 2)) + std::string(off.substr(3));
  else if (off.size() == 4 || off.size() == 2)
    digits = std::string(off) + (off.size() == 2 ? "00" : "");
  if (digits.size() != 4 || !is_digits(digits)) return std::nullopt;
  return out + tz[0] + digits.substr(0, 2) + ":" + digits.substr(2);
}

// Splits "A<sep>B<sep>C[ rest]" into three numbers; `sep` is '-', '/' or '.'.
bool split_date(std::string_view v, char& sep, std::string_view part[3], std::string_view& rest) {
  size_t end = v.find_first_of(" T");
  std::string_view date = v.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : v.substr(end);
  size_t a = date.find_first_of("-/.");
  if (a == std::string_view::npos) return false;
  sep = date[a];
  size_t b = date.find(sep, a + 1);
  if (b == std::string_view::npos || date.find(sep, b + 1) != std::string_view::npos) return false;
  part[0] = date.substr(0, a);
  part[1] = date.substr(a + 1, b - a - 1);
  part[2] = date.substr(b + 1);
  for (int i = 0; i < 3; ++i)
    if (!is_digits(part[i]) || part[i].size() > 4) return false;
  return true;
}

int to_int(std::string_view s) { return std::atoi(std::string(s).c_str()); }

// The orders ("ymd" 1, "dmy" 2, "mdy" 4) under which `v` is a valid date(time).
int date_orders(std::string_view v) {
  char sep = 0;
  std::string_view p[3], rest;
  if (!split_date(v, sep, p, rest)) return 0;
  if (!rest.empty()) {
    if (rest.size() < 2 || (rest[0] == 'T' && sep == '.')) return 0;
    if (!parse_time(rest.substr(1))) return 0;
  }
  int mask = 0;
  if (p[0].size() == 4 && p[1].size() <= 2 && p[2].size() <= 2 && sep != '.' &&
      valid_date(to_int(p[0]), to_int(p[1]), to_int(p[2])))
    mask |= 1;
  if (p[2].size() == 4 && p[0].size() <= 2 && p[1].size() <= 2 &&
      !(rest.size() && rest[0] == 'T')) {
    if (valid_date(to_int(p[2]), to_int(p[1]), to_int(p[0]))) mask |= 2;
    if (sep != '.' && valid_date(to_int(p[2]), to_int(p[0]), to_int(p[1]))) mask |= 4;
  }
  return mask;
}

}  // namespace

std::optional<std::string> normalize_datetime(std::string_view value, const std::string& order) {
  int bit = order == "ymd" ? 1 : order == "dmy" ? 2 : order == "mdy" ? 4 : 0;
  if (!(date_orders(value) & bit)) return std::nullopt;
  char sep = 0;
  std::string_view p[3], rest;
  split_date(value, sep, p, rest);
  int y = bit == 1 ? to_int(p[0]) : to_int(p[2]);
  int m = bit == 1 ? to_int(p[1]) : bit == 2 ? to_int(p[1]) : to_int(p[0]);
  int d = bit == 1 ? to_int(p[2]) : bit == 2 ? to_int(p[0]) : to_int(p[1]);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  std::string out = buf;
  if (!rest.empty()) out += *parse_time(rest.substr(1));
  return out;
}

ColumnInfo infer_column(const std::string& name,
                        const std::vector<std::optional<std::string>>& values) {
  bool all_bool = true, all_int = true, all_num = true;
  int orders = 7, seen = 0;
  for (const auto& v : values) {
    if (!v || v->empty()) continue;
    ++seen;
    if (all_bool && !parse_bool(*v)) all_bool = false;
    if (all_int && !parse_int(*v)) all_int = false;
    if (all_num && !parse_int(*v) && !parse_float(*v)) all_num = false;
    if (orders) orders &= date_orders(*v);
  }
  ColumnInfo c{name, ColumnType::kString, ""};
  if (seen == 0) return c;
  if (all_bool)
    c.type = ColumnType::kBoolean;
  else if (all_int)
    c.type = ColumnType::kInteger;
  else if (all_num)
    c.type = ColumnType::kFloat;
  else if (orders) {
    c.type = ColumnType::kDatetime;
    // Ambiguity rule (header comment): ymd when it fits, else month-first unless only
    // day-first fits.
    c.date_order = (orders & 1) ? "ymd" : (orders & 4) ? "mdy" : "dmy";
  }
  return c;
}

std::optional<nlohmann::json> convert_value(const ColumnInfo& col,
                                            const std::optional<std::string>& value,
                                            bool empty_as_string) {
  if (!value || value->empty()) {
    if (col.type == ColumnType::kString && empty_as_string) return nlohmann::json("");
    return nlohmann::json(nullptr);
  }
  const std::string& v = *value;
  switch (col.type) {
    case ColumnType::kString:
      return nlohmann::json(v);
    case ColumnType::kBoolean:
      if (auto b = parse_bool(v)) return nlohmann::json(*b);
      return std::nullopt;
    case ColumnType::kInteger:
      if (auto i = parse_int(v)) return nlohmann::json(*i);
      return std::nullopt;
    case ColumnType::kFloat:
      if (auto i = parse_int(v)) return nlohmann::json(static_cast<double>(*i));
      if (auto f = parse_float(v)) return nlohmann::json(*f);
      return std::nullopt;
    case ColumnType::kDatetime: {
      std::string order = col.date_order.empty() ? "ymd" : col.date_order;
      auto d = normalize_datetime(v, order);
      if (!d && col.date_order.empty()) {  // set by the user without an order: any fits
        for (const char* o : {"mdy", "dmy"})
          if ((d = normalize_datetime(v, o))) break;
      }
      if (d) return nlohmann::json(*d);
      return std::nullopt;
    }
  }
  return std::nullopt;
}

ColumnType parse_column_type(const std::string& s) {
  std::string l = lower(s);
  if (l == "int" || l == "integer" || l == "int64" || l == "long") return ColumnType::kInteger;
  if (l == "float" || l == "double" || l == "float64" || l == "decimal") return ColumnType::kFloat;
  if (l == "bool" || l == "boolean") return ColumnType::kBoolean;
  if (l == "datetime" || l == "date" || l == "timestamp") return ColumnType::kDatetime;
  if (l == "str" || l == "string" || l == "text") return ColumnType::kString;
  throw invalid_argument("unknown column type '" + s +
                         "'; use integer, float, boolean, datetime or string");
}

const char* column_type_name(ColumnType t) {
  switch (t) {
    case ColumnType::kInteger:
      return "integer";
    case ColumnType::kFloat:
      return "float";
    case ColumnType::kBoolean:
      return "boolean";
    case ColumnType::kDatetime:
      return "datetime";
    case ColumnType::kString:
      return "string";
  }
  return "string";
}

}  // namespace runnel::internal

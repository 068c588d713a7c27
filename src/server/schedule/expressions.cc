// Pipeline parameter expressions (expressions.h): a small recursive-descent reader of the
// call syntax, timestamps on cctz, .NET date formats.
#include "server/schedule/expressions.h"

#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "server/schedule/time_zone.h"

using nlohmann::json;

namespace runnel::schedule {

namespace {

struct Failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An instant and the UTC offset it is shown with.
struct Time {
  int64_t s = 0;
  int offset_s = 0;
  bool utc = true;  // shown with "Z" (else "+hh:mm")
};

struct Val {
  enum class Kind { kStr, kInt, kTime, kTrigger } kind = Kind::kStr;
  std::string str;
  int64_t num = 0;
  Time time;
};

cctz::civil_second civil_of(const Time& t) {
  return cctz::convert(std::chrono::system_clock::from_time_t(t.s + t.offset_s),
                       cctz::utc_time_zone());
}

Time time_from_civil(const cctz::civil_second& cs, int offset_s, bool utc) {
  int64_t local = std::chrono::system_clock::to_time_t(cctz::convert(cs, cctz::utc_time_zone()));
  return Time{local - offset_s, offset_s, utc};
}

std::string two(int v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

// .NET custom and standard date formats.
std::string format_time(const Time& t, std::string fmt) {
  if (fmt.empty() || fmt == "o" || fmt == "O")
    fmt = "yyyy-MM-ddTHH:mm:ss.fffffffK";
  else if (fmt == "s")
    fmt = "yyyy-MM-ddTHH:mm:ss";
  else if (fmt == "u")
    fmt = "yyyy-MM-dd HH:mm:ssZ";
  else if (fmt == "d")
    fmt = "M/d/yyyy";
  cctz::civil_second c = civil_of(t);
  std::string out;
  for (size_t i = 0; i < fmt.size();) {
    char ch = fmt[i];
    size_t n = 1;
    while (i + n < fmt.size() && fmt[i + n] == ch) ++n;
    auto year = static_cast<int>(c.year());
    switch (ch) {
      case 'y':
        out += n >= 4 ? std::to_string(year) : two(year % 100);
        break;
      case 'M':
        out += n >= 2 ? two(c.month()) : std::to_string(c.month());
        break;
      case 'd':
        out += n >= 2 ? two(c.day()) : std::to_string(c.day());
        break;
      case 'H':
        out += n >= 2 ? two(c.hour()) : std::to_string(c.hour());
        break;
      case 'h': {
        int h = c.hour() % 12 == 0 ? 12 : c.hour() % 12;
        out += n >= 2 ? two(h) : std::to_string(h);
        break;
      }
      case 'm':
        out += n >= 2 ? two(c.minute()) : std::to_string(c.minute());
        break;
      case 's':
        out += n >= 2 ? two(c.second()) : std::to_string(c.second());
        break;
      case 'f':
      case 'F':
        out += std::string(n, '0');
        break;  // whole seconds
      case 't':
        out += c.hour() < 12 ? (n >= 2 ? "AM" : "A") : (n >= 2 ? "PM" : "P");
        break;
      case 'K':
      case 'z': {
        if (t.utc && ch == 'K') {
          out += "Z";
        } else {
          int o = t.offset_s;
          out += o < 0 ? "-" : "+";
          o = o < 0 ? -o : o;
          out += two(o / 3600) + ":" + two(o / 60 % 60);
        }
        break;
      }
      case '\'':
      case '"': {
        size_t end = fmt.find(ch, i + 1);
        if (end == std::string::npos) throw Failed("unterminated quote in format");
        out += fmt.substr(i + 1, end - i - 1);
        i = end + 1;
        continue;
      }
      case '\\':
        if (i + 1 < fmt.size()) out += fmt[i + 1];
        i += 2;
        continue;
      default:
        out += std::string(n, ch);
    }
    i += n;
  }
  return out;
}

// "2022-01-01", "2022-01-01 08:00:00", "2022-01-01T08:00:00.1234567Z", "...+02:00".
Time parse_time(const std::string& text) {
  int y, mo, d, h = 0, mi = 0, se = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3)
    throw Failed("not a timestamp");
  size_t p = static_cast<size_t>(used);
  if (p < text.size() && (text[p] == 'T' || text[p] == ' ')) {
    int u2 = 0;
    if (std::sscanf(text.c_str() + p + 1, "%2d:%2d%n", &h, &mi, &u2) != 2)
      throw Failed("not a timestamp");
    p += 1 + static_cast<size_t>(u2);
    if (p < text.size() && text[p] == ':') {
      int u3 = 0;
      if (std::sscanf(text.c_str() + p + 1, "%2d%n", &se, &u3) != 1)
        throw Failed("not a timestamp");
      p += 1 + static_cast<size_t>(u3);
    }
    if (p < text.size() && text[p] == '.')
      for (++p; p < text.size() && std::isdigit(static_cast<unsigned char>(text[p])); ++p) {
      }
  }
  int offset = 0;
  bool utc = true;
  if (p < text.size() && (text[p] == 'Z' || text[p] == 'z')) {
    ++p;
  } else if (p < text.size() && (text[p] == '+' || text[p] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(text.c_str() + p + 1, "%2d:%2d", &oh, &om) < 1) throw Failed("bad offset");
    offset = (text[p] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    utc = false;
    p = text.size();
  }
  if (p != text.size()) throw Failed("not a timestamp: " + text);
  return time_from_civil(cctz::civil_second(y, mo, d, h, mi, se), offset, utc);
}

Time as_time(const Val& v) {
  if (v.kind == Val::Kind::kTime) return v.time;
  if (v.kind == Val::Kind::kStr) return parse_time(v.str);
  throw Failed("expected a timestamp");
}

int64_t as_int(const Val& v) {
  if (v.kind == Val::Kind::kInt) return v.num;
  if (v.kind == Val::Kind::kStr) {
    try {
      size_t used = 0;
      int64_t n = std::stoll(v.str, &used);
      if (used == v.str.size()) return n;
    } catch (const std::exception&) {
    }
  }
  throw Failed("expected an integer");
}

std::string as_str(const Val& v) {
  if (v.kind == Val::Kind::kStr) return v.str;
  if (v.kind == Val::Kind::kInt) return std::to_string(v.num);
  if (v.kind == Val::Kind::kTime) return format_time(v.time, "o");
  throw Failed("expected a string");
}

Val time_val(const Time& t, const std::vector<Val>& args, size_t fmt_index) {
  Val v;
  if (args.size() > fmt_index) {
    v.str = format_time(t, as_str(args[fmt_index]));
    return v;
  }
  v.kind = Val::Kind::kTime;
  v.time = t;
  return v;
}

int days_in_month(int64_t y, int m) {
  return static_cast<int>(cctz::civil_day(cctz::civil_month(y, m) + 1) -
                          cctz::civil_day(cctz::civil_month(y, m)));
}

// .NET AddMonths: the day is clamped to the new month's length.
Time add_months(const Time& t, int64_t months) {
  cctz::civil_second c = civil_of(t);
  cctz::civil_month m = cctz::civil_month(c) + months;
  int day = std::min(c.day(), days_in_month(m.year(), m.month()));
  return time_from_civil(
      cctz::civil_second(m.year(), m.month(), day, c.hour(), c.minute(), c.second()), t.offset_s,
      t.utc);
}

Time add_unit(const Time& t, int64_t n, const std::string& unit) {
  static const std::vector<std::pair<std::string, int64_t>> seconds = {
      {"Second", 1}, {"Minute", 60}, {"Hour", 3600}, {"Day", 86400}, {"Week", 7 * 86400}};
  for (const auto& [name, s] : seconds)
    if (unit == name) return Time{t.s + n * s, t.offset_s, t.utc};
  if (unit == "Month") return add_months(t, n);
  if (unit == "Year") return add_months(t, 12 * n);
  throw Failed("unknown time unit '" + unit + "'");
}

// An instant shown in `zone` (its offset at that instant).
Time in_zone(const Time& t, const std::string& zone) {
  auto tz = load_zone(zone, "time zone");
  auto lookup = tz.lookup(std::chrono::system_clock::from_time_t(t.s));
  return Time{t.s, lookup.offset, false};
}

class Reader {
 public:
  Reader(const std::string& text, const ExpressionContext& ctx) : s_(text), ctx_(ctx) {}

  Val parse_all() {
    Val v = expr();
    skip();
    if (p_ != s_.size()) throw Failed("unexpected text at " + std::to_string(p_));
    return v;
  }

 private:
  void skip() {
    while (p_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
  }

  Val expr() {
    skip();
    if (p_ >= s_.size()) throw Failed("expression ends early");
    char c = s_[p_];
    if (c == '\'') {
      std::string out;
      for (++p_;; ++p_) {
        if (p_ >= s_.size()) throw Failed("unterminated string");
        if (s_[p_] == '\'') {
          if (p_ + 1 < s_.size() && s_[p_ + 1] == '\'') {
            out += '\'';
            ++p_;
            continue;
          }
          ++p_;
          break;
        }
        out += s_[p_];
      }
      Val v;
      v.str = out;
      return v;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      size_t start = p_++;
      while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_]))) ++p_;
      Val v;
      v.kind = Val::Kind::kInt;
      v.num = std::stoll(s_.substr(start, p_ - start));
      return v;
    }
    size_t start = p_;
    while (p_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[p_])) || s_[p_] == '_'))
      ++p_;
    std::string name = s_.substr(start, p_ - start);
    if (name.empty()) throw Failed("expected a function at " + std::to_string(start));
    skip();
    if (p_ >= s_.size() || s_[p_] != '(') throw Failed("expected '(' after " + name);
    ++p_;
    std::vector<Val> args;
    skip();
    if (p_ < s_.size() && s_[p_] == ')') {
      ++p_;
    } else {
      for (;;) {
        args.push_back(expr());
        skip();
        if (p_ < s_.size() && s_[p_] == ',') {
          ++p_;
          continue;
        }
        if (p_ < s_.size() && s_[p_] == ')') {
          ++p_;
          break;
        }
        throw Failed("expected ',' or ')' in " + name + "()");
      }
    }
    Val v = call(name, args);
    skip();
    while (p_ < s_.size() && s_[p_] == '.') {
      ++p_;
      size_t ps = p_;
      while (p_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[p_]))) ++p_;
      v = property(v, s_.substr(ps, p_ - ps));
      skip();
    }
    return v;
  }

  Val property(const Val& v, const std::string& prop) {
    if (v.kind != Val::Kind::kTrigger) throw Failed("no property ." + prop);
    Time t;
    if (prop == "scheduledTime")
      t.s = ctx_.scheduled_s ? ctx_.scheduled_s : ctx_.start_s;
    else if (prop == "startTime")
      t.s = ctx_.start_s;
    else
      throw Failed("trigger() has no ." + prop);
    Val out;
    out.kind = Val::Kind::kTime;
    out.time = t;
    return out;
  }

  static void arity(const std::string& name, const std::vector<Val>& a, size_t lo, size_t hi) {
    if (a.size() < lo || a.size() > hi) throw Failed(name + "(): wrong number of arguments");
  }

  Val call(const std::string& f, const std::vector<Val>& a) {
    if (f == "trigger") {
      arity(f, a, 0, 0);
      Val v;
      v.kind = Val::Kind::kTrigger;
      return v;
    }
    if (f == "utcNow") {
      arity(f, a, 0, 1);
      return time_val(Time{ctx_.start_s, 0, true}, a, 0);
    }
    if (f == "createdBy") {
      arity(f, a, 0, 0);
      Val v;
      v.str = ctx_.created_by;
      return v;
    }
    static const std::vector<std::pair<std::string, std::string>> adders = {
        {"addDays", "Day"},
        {"addHours", "Hour"},
        {"addMinutes", "Minute"},
        {"addSeconds", "Second"}};
    for (const auto& [name, unit] : adders)
      if (f == name) {
        arity(f, a, 2, 3);
        return time_val(add_unit(as_time(a[0]), as_int(a[1]), unit), a, 2);
      }
    if (f == "addToTime" || f == "subtractFromTime") {
      arity(f, a, 3, 4);
      int64_t n = as_int(a[1]) * (f == "addToTime" ? 1 : -1);
      return time_val(add_unit(as_time(a[0]), n, as_str(a[2])), a, 3);
    }
    if (f == "formatDateTime") {
      arity(f, a, 1, 2);
      Val v;
      v.str = format_time(as_time(a[0]), a.size() > 1 ? as_str(a[1]) : "o");
      return v;
    }
    if (f == "startOfDay" || f == "startOfHour" || f == "startOfMonth") {
      arity(f, a, 1, 2);
      Time t = as_time(a[0]);
      cctz::civil_second c = civil_of(t);
      cctz::civil_second start = f == "startOfDay"    ? cctz::civil_second(cctz::civil_day(c))
                                 : f == "startOfHour" ? cctz::civil_second(cctz::civil_hour(c))
                                                      : cctz::civil_second(cctz::civil_month(c));
      return time_val(time_from_civil(start, t.offset_s, t.utc), a, 1);
    }
    if (f == "dayOfMonth" || f == "dayOfWeek" || f == "dayOfYear") {
      arity(f, a, 1, 1);
      cctz::civil_second c = civil_of(as_time(a[0]));
      cctz::civil_day day(c);
      Val v;
      v.kind = Val::Kind::kInt;
      if (f == "dayOfMonth") {
        v.num = c.day();
      } else if (f == "dayOfYear") {
        v.num = cctz::get_yearday(day);
      } else {
        v.num = (static_cast<int>(cctz::get_weekday(day)) + 1) % 7;  // cctz: Monday = 0
      }
      return v;
    }
    if (f == "convertFromUtc") {
      arity(f, a, 2, 3);
      return time_val(in_zone(as_time(a[0]), as_str(a[1])), a, 2);
    }
    if (f == "convertToUtc" || f == "convertTimeZone") {
      bool to_utc = f == "convertToUtc";
      arity(f, a, to_utc ? 2 : 3, to_utc ? 3 : 4);
      // The timestamp's wall-clock time read in the source zone.
      cctz::civil_second wall = civil_of(as_time(a[0]));
      auto tz = load_zone(as_str(a[1]), "time zone");
      Time instant{civil_to_instant(wall, tz), 0, true};
      if (to_utc) return time_val(instant, a, 2);
      return time_val(in_zone(instant, as_str(a[2])), a, 3);
    }
    throw Failed("unknown function " + f + "()");
  }

  const std::string& s_;
  const ExpressionContext& ctx_;
  size_t p_ = 0;
};

}  // namespace

std::optional<json> evaluate_expression(const std::string& expression,
                                        const ExpressionContext& ctx) {
  try {
    Val v = Reader(expression, ctx).parse_all();
    if (v.kind == Val::Kind::kInt) return json(v.num);
    return json(as_str(v));
  } catch (const std::exception&) {  // Failed, and load_zone's Error for an unknown zone
    return std::nullopt;
  }
}

json resolve_parameter_expressions(const json& parameters, const ExpressionContext& ctx) {
  if (!parameters.is_object()) return json::object();
  json out = json::object();
  for (const auto& [k, v] : parameters.items()) {
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      if (s.rfind("@@", 0) == 0) {
        out[k] = s.substr(1);
        continue;
      }
      if (s.rfind("@", 0) == 0) {
        auto r = evaluate_expression(s.substr(1), ctx);
        out[k] = r ? *r : v;
        continue;
      }
    }
    out[k] = v;
  }
  return out;
}

}  // namespace runnel::schedule

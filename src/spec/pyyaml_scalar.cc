// PyYAML's YAML 1.1 reading of plain scalars, and Python's str() of what it reads
// (spec/pyyaml_scalar.h). The forms are PyYAML's resolver patterns, matched by hand.
#include "spec/pyyaml_scalar.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace runnel::internal {

namespace {

bool in(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

// Advances *i over characters of `set`; true when it moved.
bool scan(std::string_view s, size_t* i, std::string_view set) {
  size_t b = *i;
  while (*i < s.size() && in(s[*i], set)) ++*i;
  return *i > b;
}

constexpr std::string_view kDec = "0123456789";
constexpr std::string_view kDecU = "0123456789_";

std::string without_underscores(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

// [-+]? then a sexagesimal body [1-9][0-9_]*(:[0-5]?[0-9])+ : its value in base 60, the
// integer part before any '.'.
std::optional<long double> sexagesimal(std::string_view body) {
  long double v = 0;
  size_t i = 0;
  size_t start = i;
  if (i >= body.size() || !in(body[i], "123456789")) return std::nullopt;
  scan(body, &i, kDecU);
  v = std::strtold(without_underscores(body.substr(start, i - start)).c_str(), nullptr);
  bool any = false;
  while (i < body.size() && body[i] == ':') {
    ++i;
    size_t b = i;
    if (i < body.size() && in(body[i], "012345")) ++i;
    if (i >= body.size() || !in(body[i], kDec)) {
      i = b;
      if (i >= body.size() || !in(body[i], kDec)) return std::nullopt;
    }
    ++i;
    v = v * 60 + std::strtold(std::string(body.substr(b, i - b)).c_str(), nullptr);
    any = true;
  }
  if (!any) return std::nullopt;
  if (i != body.size()) return std::nullopt;
  return v;
}

std::optional<std::string> int_text(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool neg = s[0] == '-';
  std::string_view b = s[0] == '-' || s[0] == '+' ? s.substr(1) : s;
  if (b.empty()) return std::nullopt;
  int base = 10;
  std::string digits;
  size_t i = 0;
  if (b.size() > 2 && b[0] == '0' && b[1] == 'b') {
    i = 2;
    if (!scan(b, &i, "01_") || i != b.size()) return std::nullopt;
    base = 2;
    digits = without_underscores(b.substr(2));
  } else if (b.size() > 2 && b[0] == '0' && b[1] == 'x') {
    i = 2;
    if (!scan(b, &i, "0123456789abcdefABCDEF_") || i != b.size()) return std::nullopt;
    base = 16;
    digits = without_underscores(b.substr(2));
  } else if (b == "0") {
    return "0";
  } else if (b[0] == '0') {
    i = 1;
    if (!scan(b, &i, "01234567_") || i != b.size()) return std::nullopt;
    base = 8;
    digits = without_underscores(b.substr(1));
  } else if (in(b[0], "123456789")) {
    i = 1;
    scan(b, &i, kDecU);
    if (i != b.size()) {
      auto v = sexagesimal(b);
      if (!v) return std::nullopt;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s%.0Lf", neg ? "-" : "", *v);
      return std::string(buf);
    }
    digits = without_underscores(b);
  } else {
    return std::nullopt;
  }
  if (digits.empty()) return "0";  // "0b_" is 0 to PyYAML
  // Decimal text of the value; values beyond 64 bits keep their decimal digits (base 10)
  // or fall back to the text as written (other bases).
  if (base == 10) {
    size_t nz = digits.find_first_not_of('0');
    digits = nz == std::string::npos ? "0" : digits.substr(nz);
    return (neg && digits != "0" ? "-" : "") + digits;
  }
  unsigned long long v = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) return std::string(s);
  return (neg && v ? "-" : "") + std::to_string(v);
}

// PyYAML's float forms: [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?, unsigned
// \.[0-9][0-9_]*([eE][-+][0-9]+)?, sexagesimal [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*,
// [-+]?\.(inf|Inf|INF), \.(nan|NaN|NAN).
std::optional<std::string> float_text(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool signed_ = s[0] == '-' || s[0] == '+';
  bool neg = s[0] == '-';
  std::string_view b = signed_ ? s.substr(1) : s;
  if (b == ".inf" || b == ".Inf" || b == ".INF") return neg ? "-inf" : "inf";
  if (!signed_ && (b == ".nan" || b == ".NaN" || b == ".NAN")) return "nan";
  size_t i = 0;
  bool int_digits = false;
  if (i < b.size() && in(b[i], kDec)) {
    ++i;
    scan(b, &i, kDecU);
    int_digits = true;
  }
  if (i < b.size() && b[i] == ':') {  // sexagesimal float
    size_t dot = b.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    auto whole = sexagesimal(b.substr(0, dot));
    if (!whole) return std::nullopt;
    size_t j = dot + 1;
    scan(b, &j, kDecU);
    if (j != b.size()) return std::nullopt;
    double frac = std::strtod(("0." + without_underscores(b.substr(dot + 1))).c_str(), nullptr);
    double v = static_cast<double>(*whole) + frac;
    return python_float_repr(neg ? -v : v);
  }
  if (i >= b.size() || b[i] != '.') return std::nullopt;
  ++i;
  bool frac_digits = false;
  size_t f = i;
  scan(b, &i, kDecU);
  for (size_t k = f; k < i; ++k) frac_digits = frac_digits || in(b[k], kDec);
  if (!int_digits && !frac_digits) return std::nullopt;  // "." or "._"
  if (!int_digits && signed_) return std::nullopt;       // "-.5": a string to PyYAML
  if (!int_digits && b[f] == '_') return std::nullopt;   // \.[0-9][0-9_]*: a digit first
  if (i < b.size() && (b[i] == 'e' || b[i] == 'E')) {
    ++i;
    if (i >= b.size() || !in(b[i], "+-")) return std::nullopt;  // PyYAML wants the sign
    ++i;
    if (!scan(b, &i, kDec)) return std::nullopt;
  }
  if (i != b.size()) return std::nullopt;
  std::string text = without_underscores(s);
  return python_float_repr(std::strtod(text.c_str(), nullptr));
}

}  // namespace

std::optional<bool> pyyaml_bool(std::string_view s) {
  for (std::string_view t : {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
    if (s == t) return true;
  for (std::string_view f : {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})
    if (s == f) return false;
  return std::nullopt;
}

std::optional<std::string> pyyaml_number_text(std::string_view s) {
  if (auto i = int_text(s)) return i;
  return float_text(s);
}

std::string python_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  // The shortest digits that read back as v, then Python's layout of them: positional
  // for exponents -4..15, else d.ddde+XX.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::atoi(sci.c_str() + e + 1);
  bool neg = !mant.empty() && mant[0] == '-';
  if (neg) mant = mant.substr(1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return out + eb;
  }
  if (exp < 0) return out + "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  size_t point = static_cast<size_t>(exp) + 1;
  if (digits.size() <= point) return out + digits + std::string(point - digits.size(), '0') + ".0";
  return out + digits.substr(0, point) + "." + digits.substr(point);
}

}  // namespace runnel::internal

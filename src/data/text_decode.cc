// Decoding delimited files to UTF-8 (data/text_decode.h).
#include "data/text_decode.h"

#include <cctype>
#include <cstdint>
#include <cstdio>

#include "runnel/error.h"

namespace runnel::internal {

namespace {

// Windows-1252 code points for bytes 0x80..0x9F (0 = undefined in that code page).
constexpr uint16_t kCp1252[32] = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                  0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

[[noreturn]] void bad_byte(std::string_view bytes, size_t pos, const std::string& file,
                           const std::string& encoding, const char* hint) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < pos; ++i)
    if (bytes[i] == '\n') ++line, line_start = i + 1;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(bytes[pos]));
  throw invalid_argument(file + ":" + std::to_string(line) + ": byte " + hex + " at column " +
                         std::to_string(pos - line_start + 1) + " is not valid " + encoding + "; " +
                         hint);
}

// Length of the valid UTF-8 sequence at `i`, or 0 when invalid (overlongs, surrogates and
// code points past U+10FFFF are invalid).
size_t utf8_sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
  if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
  if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
  if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // > U+10FFFF
  return n;
}

}  // namespace

std::string canonical_encoding(const std::string& encoding) {
  std::string e;
  for (char c : encoding)
    if (c != '-' && c != '_' && c != ' ')
      e += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (e == "utf8" || e == "utf8bom" || e.empty()) return "utf8";
  if (e == "latin1" || e == "iso88591" || e == "l1") return "latin1";
  if (e == "windows1252" || e == "cp1252") return "windows1252";
  if (e == "ascii" || e == "usascii") return "ascii";
  throw invalid_argument("unknown encoding '" + encoding +
                         "'; use one of utf8, utf8bom, latin1 (iso88591), windows1252, ascii");
}

std::string decode_text(std::string_view bytes, const std::string& encoding,
                        const std::string& file) {
  std::string enc = canonical_encoding(encoding);
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  if (enc == "utf8") {
    size_t i = bytes.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    while (i < bytes.size()) {
      size_t n = utf8_sequence(bytes, i);
      if (n == 0)
        bad_byte(bytes, i, file, "UTF-8",
                 "if the file is not UTF-8, pass its encoding (e.g. encoding=latin1)");
      out.append(bytes.substr(i, n));
      i += n;
    }
    return out;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (enc == "ascii") {
      bad_byte(bytes, i, file, "ASCII", "pass encoding=utf8 or encoding=latin1");
    } else if (enc == "windows1252" && c < 0xA0) {
      uint16_t cp = kCp1252[c - 0x80];
      if (cp == 0) bad_byte(bytes, i, file, "windows-1252", "pass encoding=latin1");
      append_utf8(out, cp);
    } else {
      append_utf8(out, c);  // latin1: byte value == code point
    }
  }
  return out;
}

}  // namespace runnel::internal

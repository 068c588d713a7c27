// libFuzzer target: the ignore-file matcher (core/ignore.h). The input is an ignore file,
// then a NUL byte, then paths to test, one a line (a trailing '/' marks a folder).
// Matching must neither crash nor take time exponential in the pattern.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/ignore.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string_view patterns = in.substr(0, nul);
  std::string_view paths = nul == std::string_view::npos ? in : in.substr(nul + 1);
  runnel::IgnoreMatcher m;
  m.add_lines(patterns);
  size_t b = 0;
  while (b <= paths.size()) {
    size_t e = paths.find('\n', b);
    if (e == std::string_view::npos) e = paths.size();
    std::string_view p = paths.substr(b, e - b);
    bool dir = !p.empty() && p.back() == '/';
    if (dir) p.remove_suffix(1);
    m.ignored(p, dir);
    m.excluded_self(p, dir);
    runnel::glob_match(patterns.substr(0, patterns.find('\n')), p);
    b = e + 1;
  }
  return 0;
}

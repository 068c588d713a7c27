#include "core/ignore.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runnel/error.h"

namespace runnel {

namespace {

// Whether `c` belongs to the POSIX class `name` ("digit" of "[[:digit:]]");
// `known` says whether the name is a class at all.
bool posix_class(std::string_view name, unsigned char c, bool* known) {
  *known = true;
  if (name == "alnum") return std::isalnum(c);
  if (name == "alpha") return std::isalpha(c);
  if (name == "blank") return c == ' ' || c == '\t';
  if (name == "cntrl") return std::iscntrl(c);
  if (name == "digit") return std::isdigit(c);
  if (name == "graph") return std::isgraph(c);
  if (name == "lower") return std::islower(c);
  if (name == "print") return std::isprint(c);
  if (name == "punct") return std::ispunct(c);
  if (name == "space") return std::isspace(c);
  if (name == "upper") return std::isupper(c);
  if (name == "xdigit") return std::isxdigit(c);
  *known = false;
  return false;
}

// Matches a bracket expression at pattern[p] == '['. Returns the index just
// past ']' and sets `matched`; returns npos if the bracket is not closed (then
// '[' is a literal).
size_t match_class(std::string_view pat, size_t p, char ch, bool* matched) {
  unsigned char c = static_cast<unsigned char>(ch);
  size_t i = p + 1;
  bool negate = false;
  if (i < pat.size() && (pat[i] == '!' || pat[i] == '^')) {
    negate = true;
    ++i;
  }
  bool found = false;
  bool first = true;
  while (i < pat.size()) {
    char pc = pat[i];
    if (pc == ']' && !first) {
      *matched = (found != negate) && ch != '/';
      return i + 1;
    }
    first = false;
    if (pc == '[' && i + 1 < pat.size() && pat[i + 1] == ':') {
      size_t end = pat.find(":]", i + 2);
      if (end != std::string_view::npos) {
        bool known = false;
        bool in = posix_class(pat.substr(i + 2, end - i - 2), c, &known);
        if (known) {
          found = found || in;
          i = end + 2;
          continue;
        }
      }
    }
    if (pc == '\\' && i + 1 < pat.size()) pc = pat[++i];
    unsigned char lo = static_cast<unsigned char>(pc);
    if (i + 2 < pat.size() && pat[i + 1] == '-' && pat[i + 2] != ']') {
      char hc = pat[i + 2];
      i += 2;
      if (hc == '\\' && i + 1 < pat.size()) hc = pat[++i];
      unsigned char hi = static_cast<unsigned char>(hc);
      if (lo <= c && c <= hi) found = true;
    } else if (lo == c) {
      found = true;
    }
    ++i;
  }
  return std::string_view::npos;
}

// Results of wild(), as in git's wildmatch.c: besides match and no match, "abort" results
// tell the callers' `*` loops that trying later text positions cannot help (the rest of
// the pattern already failed on every shorter suffix), which keeps matching polynomial
// where plain backtracking is exponential ("*a*a*a*a*b" against "aaaa...").
enum class Wild { kMatch, kNoMatch, kAbortAll, kAbortToStarStar };

// Star groups nest one call each; past this depth the pattern does not match (no real
// ignore pattern has 200 `*` groups, and the stack stays bounded).
constexpr int kMaxStarGroups = 200;

Wild wild(std::string_view pat, size_t p, std::string_view text, size_t t, int depth) {
  while (p < pat.size()) {
    char pc = pat[p];
    if (pc == '*') {
      if (depth >= kMaxStarGroups) return Wild::kAbortAll;
      size_t stars_begin = p;
      while (p < pat.size() && pat[p] == '*') ++p;
      bool match_slash = false;
      if (p - stars_begin >= 2) {
        bool after_slash = stars_begin == 0 || pat[stars_begin - 1] == '/';
        bool before_slash = p == pat.size() || pat[p] == '/';
        match_slash = after_slash && before_slash;
        // "**/" also matches no directory at all: "a/**/b" matches "a/b".
        if (match_slash && p < pat.size() && wild(pat, p + 1, text, t, depth + 1) == Wild::kMatch)
          return Wild::kMatch;
      }
      if (p == pat.size()) {
        if (match_slash || text.find('/', t) == std::string_view::npos) return Wild::kMatch;
        return Wild::kAbortToStarStar;
      }
      for (size_t i = t; i < text.size(); ++i) {
        Wild r = wild(pat, p, text, i, depth + 1);
        if (r != Wild::kNoMatch) {
          if (!match_slash || r != Wild::kAbortToStarStar) return r;
        } else if (!match_slash && text[i] == '/') {
          return Wild::kAbortToStarStar;
        }
      }
      return Wild::kAbortAll;
    }
    if (t >= text.size()) return Wild::kAbortAll;
    char tc = text[t];
    if (pc == '?') {
      if (tc == '/') return Wild::kNoMatch;
    } else if (pc == '[') {
      bool matched = false;
      size_t next = match_class(pat, p, tc, &matched);
      if (next != std::string_view::npos) {
        if (!matched) return Wild::kNoMatch;
        p = next;
        ++t;
        continue;
      }
      if (tc != '[') return Wild::kNoMatch;
    } else {
      if (pc == '\\' && p + 1 < pat.size()) pc = pat[++p];
      if (pc != tc) return Wild::kNoMatch;
    }
    ++p;
    ++t;
  }
  return t == text.size() ? Wild::kMatch : Wild::kNoMatch;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  return wild(pattern, 0, text, 0, 0) == Wild::kMatch;
}

IgnoreMatcher IgnoreMatcher::from_root(const std::string& dir) {
  IgnoreMatcher m;
  for (const char* name : {".runnelignore", ".amlignore", ".gitignore"}) {
    std::string path = dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) continue;
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      throw io_error("cannot read ignore file '" + path + "': " + std::strerror(errno));
    }
    m.source_file_ = name;
    m.add_lines(text.str());
    break;
  }
  return m;
}

void IgnoreMatcher::add_lines(std::string_view text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    add_line(text.substr(start, end - start));
    start = end + 1;
  }
}

void IgnoreMatcher::add_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || line[0] == '#') return;
  // Trailing spaces are dropped unless the last one is escaped with a
  // backslash.
  size_t end = line.size();
  while (end > 0 && line[end - 1] == ' ') {
    size_t backslashes = 0;
    for (size_t i = end - 1; i > 0 && line[i - 1] == '\\'; --i) ++backslashes;
    if (backslashes % 2 == 1) break;
    --end;
  }
  line = line.substr(0, end);
  if (line.empty()) return;

  Pattern pat;
  if (line[0] == '!') {
    pat.negated = true;
    line.remove_prefix(1);
  }
  if (!line.empty() && line.back() == '/') {
    size_t backslashes = 0;
    for (size_t i = line.size() - 1; i > 0 && line[i - 1] == '\\'; --i) ++backslashes;
    if (backslashes % 2 == 0) {
      pat.dir_only = true;
      line.remove_suffix(1);
    }
  }
  if (line.empty()) return;
  // A slash anywhere but at the end (already removed) anchors the pattern to
  // the root.
  pat.anchored = line.find('/') != std::string_view::npos;
  if (line[0] == '/') line.remove_prefix(1);
  if (line.empty()) return;
  pat.glob = std::string(line);
  patterns_.push_back(std::move(pat));
}

bool IgnoreMatcher::excluded_self(std::string_view rel_path, bool is_dir) const {
  std::string_view base = rel_path;
  size_t slash = rel_path.rfind('/');
  if (slash != std::string_view::npos) base = rel_path.substr(slash + 1);
  for (auto it = patterns_.rbegin(); it != patterns_.rend(); ++it) {
    if (it->dir_only && !is_dir) continue;
    if (glob_match(it->glob, it->anchored ? rel_path : base)) return !it->negated;
  }
  return false;
}

bool IgnoreMatcher::ignored(std::string_view rel_path, bool is_dir) const {
  if (patterns_.empty()) return false;
  for (size_t pos = rel_path.find('/'); pos != std::string_view::npos;
       pos = rel_path.find('/', pos + 1)) {
    if (excluded_self(rel_path.substr(0, pos), true)) return true;
  }
  return excluded_self(rel_path, is_dir);
}

}  // namespace runnel

// Glob matching and partition formats (data/file_match.h).
#include "data/file_match.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>

#include "runnel/error.h"

namespace fs = std::filesystem;

namespace runnel::internal {

namespace {

bool match_segment(std::string_view p, std::string_view s) {
  // Classic wildcard match with backtracking on the last '*'.
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi, ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++, mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1, si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) slash = s.size();
    if (slash > start) out.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool match_parts(const std::vector<std::string_view>& p, size_t i,
                 const std::vector<std::string_view>& s, size_t j) {
  if (i == p.size()) return j == s.size();
  if (p[i] == "**") {
    for (size_t k = j; k <= s.size(); ++k)
      if (match_parts(p, i + 1, s, k)) return true;
    return false;
  }
  return j < s.size() && match_segment(p[i], s[j]) && match_parts(p, i + 1, s, j + 1);
}

// Splits a pattern into its fixed leading folder and the rest.
std::pair<std::string, std::string> fixed_prefix(const std::string& pattern) {
  auto parts = split(pattern);
  std::string prefix, rest;
  bool glob = false;
  for (auto part : parts) {
    if (!glob && has_glob(part)) glob = true;
    std::string& target = glob ? rest : prefix;
    target += (target.empty() ? "" : "/") + std::string(part);
  }
  return {prefix, rest};
}

// `confine_to` (a datastore's name, or "" for local paths): every file found must resolve,
// symlinks followed, inside `root`; one that does not is an error naming the link.
std::vector<MatchedFile> walk(const std::string& root, const std::string& start,
                              const std::string& glob, const std::string& confine_to = "") {
  std::vector<MatchedFile> out;
  fs::path base = start.empty() ? fs::path(root) : fs::path(root) / start;
  std::error_code rec;
  const std::string real_root = confine_to.empty() ? "" : fs::canonical(root, rec).string();
  auto add = [&](const fs::path& p) {
    std::string rel = fs::relative(p, root).generic_string();
    std::string below = start.empty() ? rel : fs::relative(p, base).generic_string();
    if (!glob.empty() && !glob_match(glob, below)) return;
    if (!confine_to.empty()) {
      std::error_code cec;
      std::string real = fs::canonical(p, cec).string();
      if (cec || (real.rfind(real_root + "/", 0) != 0))
        throw invalid_argument("'" + rel + "' on datastore " + confine_to +
                               " leads outside it (to " + (cec ? cec.message() : real) +
                               ") through a symlink; links leaving a " +
                               "datastore are not followed: remove the link or copy the data in");
    }
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    out.push_back({rel, p.string(), ec ? 0 : static_cast<int64_t>(size)});
  };
  std::error_code ec;
  if (fs::is_regular_file(base, ec)) {
    if (glob.empty()) add(base);
  } else if (fs::is_directory(base, ec)) {
    for (fs::recursive_directory_iterator
             it(base, fs::directory_options::follow_directory_symlink, ec),
         end;
         !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec)) add(it->path());
    if (ec) throw io_error("cannot list " + base.string() + ": " + ec.message());
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.rel < b.rel; });
  return out;
}

}  // namespace

bool has_glob(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

bool glob_match(std::string_view pattern, std::string_view path) {
  return match_parts(split(pattern), 0, split(path), 0);
}

std::vector<MatchedFile> match_datastore_files(const std::string& root, const std::string& pattern,
                                               const std::string& where) {
  if (pattern.empty() || pattern[0] == '/')
    throw invalid_argument("path '" + pattern + "' on datastore " + where +
                           " must be relative to the datastore (no leading '/')");
  std::string norm = fs::path(pattern).lexically_normal().generic_string();
  if (norm == ".." || norm.rfind("../", 0) == 0)
    throw invalid_argument("path '" + pattern + "' escapes datastore " + where +
                           " (it leads outside " + root + "); remove the '..'");
  if (norm == "." || norm == "./") norm = "";
  while (!norm.empty() && norm.back() == '/') norm.pop_back();
  auto [prefix, rest] = fixed_prefix(norm);
  auto files = walk(root, prefix, rest, where.empty() ? root : where);
  if (files.empty()) {
    std::string folder = prefix.empty() ? root : root + "/" + prefix;
    if (rest.empty() && !fs::exists(folder))
      throw not_found("path '" + pattern + "' does not exist on datastore " + where + " (" +
                      folder + "); check the path or upload the data first " +
                      "(runnel datastore upload)");
    throw not_found("'" + pattern + "' matches no file on datastore " + where + " (searched " +
                    folder + ")");
  }
  return files;
}

std::vector<MatchedFile> match_local_files(const std::string& pattern) {
  std::string abs = fs::absolute(pattern).lexically_normal().generic_string();
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  auto [prefix, rest] = fixed_prefix(abs.substr(1));
  std::string fixed = "/" + prefix;
  std::string parent = fs::path(fixed).parent_path().string();
  if (!fs::exists(fixed))
    throw not_found("local path '" + pattern + "' does not exist (" + fixed + ")");
  auto files = walk(parent, fs::path(fixed).filename().string(), rest);
  if (files.empty()) throw not_found("local path '" + pattern + "' matches no file");
  return files;
}

std::string local_pattern_rel(const std::string& pattern) {
  std::string abs = fs::absolute(pattern).lexically_normal().generic_string();
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  auto [prefix, rest] = fixed_prefix(abs.substr(1));
  std::string name = fs::path("/" + prefix).filename().string();
  return rest.empty() ? name : name + "/" + rest;
}

std::vector<std::pair<std::string, bool>> partition_keys(const std::string& format) {
  std::vector<std::pair<std::string, bool>> out;
  size_t i = 0;
  while ((i = format.find('{', i)) != std::string::npos) {
    size_t close = format.find('}', i);
    if (close == std::string::npos)
      throw invalid_argument("partition_format '" + format + "': '{' at " + std::to_string(i) +
                             " is not closed");
    std::string inner = format.substr(i + 1, close - i - 1);
    size_t colon = inner.find(':');
    std::string name = inner.substr(0, colon);
    if (name.empty()) throw invalid_argument("partition_format '" + format + "': empty name in {}");
    out.emplace_back(name, colon != std::string::npos);
    i = close + 1;
  }
  return out;
}

std::optional<std::map<std::string, std::string>> parse_partition(const std::string& format,
                                                                  const std::string& path) {
  // Build a regex: {name} -> ([^/]+), {name:yyyy/MM/dd} -> digits per token, * -> [^/]*.
  std::string re = "(?:^|/)";
  struct Group {
    std::string name;
    std::vector<std::string> tokens;
  };
  std::vector<Group> groups;
  std::string f = format;
  while (!f.empty() && f[0] == '/') f.erase(0, 1);
  for (size_t i = 0; i < f.size();) {
    char c = f[i];
    if (c == '{') {
      size_t close = f.find('}', i);
      if (close == std::string::npos)
        throw invalid_argument("partition_format '" + format + "': unclosed '{'");
      std::string inner = f.substr(i + 1, close - i - 1);
      size_t colon = inner.find(':');
      Group g{inner.substr(0, colon), {}};
      if (colon == std::string::npos) {
        re += "([^/]+)";
        g.tokens.push_back("");
      } else {
        std::string df = inner.substr(colon + 1);
        for (size_t k = 0; k < df.size();) {
          size_t n = 1;
          while (k + n < df.size() && df[k + n] == df[k]) ++n;
          std::string tok = df.substr(k, n);
          if (tok == "yyyy" || tok == "MM" || tok == "dd" || tok == "HH" || tok == "mm" ||
              tok == "ss") {
            re += "(\\d{" + std::to_string(n) + "})";
            g.tokens.push_back(tok);
          } else if (std::isalpha(static_cast<unsigned char>(df[k]))) {
            throw invalid_argument("partition_format '" + format + "': unknown date part '" + tok +
                                   "' (use yyyy, MM, dd, HH, mm, ss)");
          } else {
            for (size_t r = 0; r < n; ++r) re += std::string("\\") + df[k];
          }
          k += n;
        }
      }
      groups.push_back(g);
      i = close + 1;
    } else if (c == '*') {
      bool dbl = i + 1 < f.size() && f[i + 1] == '*';
      re += dbl ? ".*" : "[^/]*";
      i += dbl ? 2 : 1;
    } else {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_')
        re += c;
      else
        re += std::string("\\") + c;
      ++i;
    }
  }
  re += "$";
  std::smatch m;
  if (!std::regex_search(path, m, std::regex(re))) return std::nullopt;
  std::map<std::string, std::string> out;
  size_t idx = 1;
  for (const auto& g : groups) {
    if (g.tokens.size() == 1 && g.tokens[0].empty()) {
      out[g.name] = m[idx++].str();
      continue;
    }
    std::map<std::string, std::string> part{{"yyyy", "0001"}, {"MM", "01"}, {"dd", "01"}};
    bool has_time = false;
    for (const auto& t : g.tokens) {
      part[t] = m[idx++].str();
      if (t == "HH" || t == "mm" || t == "ss") has_time = true;
    }
    std::string v = part["yyyy"] + "-" + part["MM"] + "-" + part["dd"];
    if (has_time)
      v += "T" + (part.count("HH") ? part["HH"] : "00") + ":" +
           (part.count("mm") ? part["mm"] : "00") + ":" + (part.count("ss") ? part["ss"] : "00");
    out[g.name] = v;
  }
  return out;
}

}  // namespace runnel::internal

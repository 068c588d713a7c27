// core/ignore.h: gitignore-style patterns that decide which files of a folder
// runnel leaves out of a code snapshot and its digest.
//
// Syntax and meaning follow git's gitignore(5): blank lines and `#` comments
// are skipped; trailing spaces are dropped unless escaped (`\ `); `\#` and `\!`
// start a literal pattern;
// `!` negates (re-includes); a trailing `/` matches directories only; a `/` at
// the start or in the middle anchors the pattern to the folder's root,
// otherwise it matches a name at any depth; `*` and `?` never match `/`;
// `[abc]`, `[a-z]`, `[!a-z]`, `[[:digit:]]` classes;
// `**/x`, `x/**`, `a/**/b` cross directories. The last matching pattern wins,
// and a file inside an ignored directory stays ignored whatever later patterns
// say (as in git). Only one file is read, at the folder's root:
// `.runnelignore`, else `.amlignore`, else
// `.gitignore` (first that exists wins; nested ignore files are not read). A
// trailing `\r` is dropped from each line so files edited on Windows work.
//
// Thread-safety: building (add_line, from_root) is single-threaded; a built
// matcher is immutable and `ignored` may be called from any number of threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace runnel {

class IgnoreMatcher {
 public:
  IgnoreMatcher() = default;

  // Reads the root ignore file of `dir` (see above). A folder without one gives
  // a matcher that ignores nothing. Throws runnel::io_error naming the file if
  // it exists but cannot be read.
  static IgnoreMatcher from_root(const std::string& dir);

  // Parses a whole file's text, line by line, after the patterns already added.
  void add_lines(std::string_view text);
  // Adds one pattern line (comments and blank lines are accepted and skipped).
  void add_line(std::string_view line);

  // True if `rel_path` ('/'-separated, relative to the root, no leading "./")
  // is ignored, either itself or because one of its parent directories is.
  bool ignored(std::string_view rel_path, bool is_dir) const;

  // True if the patterns exclude `rel_path` itself, without looking at its
  // parents. For walkers that never descend into an ignored directory (cheaper
  // than `ignored`).
  bool excluded_self(std::string_view rel_path, bool is_dir) const;

  // The file the patterns came from (".runnelignore", ".amlignore",
  // ".gitignore"), or "" when none was read.
  const std::string& source_file() const { return source_file_; }
  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    std::string glob;  // without the leading '!', the leading '/', the trailing '/'
    bool negated = false;
    bool dir_only = false;
    bool anchored = false;  // matched against the whole relative path, else the base name
  };
  std::vector<Pattern> patterns_;
  std::string source_file_;
};

// Git's wildmatch with WM_PATHNAME: `*`, `?` and classes do not match '/'; `**`
// between slashes (or at an end) matches any number of directories. Exposed for
// tests.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace runnel

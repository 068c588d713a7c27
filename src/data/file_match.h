// data/file_match.h: finding the files a dataset path or glob names, and reading
// partition_format values out of their paths.
//
// Patterns: a file; a folder (every file below it, recursively); or a glob where `*`
// matches within one path segment, `?` one character, and `**` any number of segments
// ("raw/**/*.csv" matches raw/a.csv and raw/x/y/a.csv). Hidden files are matched like any.
// Thread-safe (no shared state); reads the filesystem.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::internal {

struct MatchedFile {
  std::string rel;  // path relative to the root given, '/'-separated
  std::string abs;  // absolute local path
  int64_t size = 0;
};

// True when the relative `path` matches glob `pattern` (both '/'-separated).
bool glob_match(std::string_view pattern, std::string_view path);
bool has_glob(std::string_view pattern);

// The files that `pattern` names under `root` (a datastore's folder), sorted by rel.
// `where` names the datastore in messages. Throws Error(kInvalidArgument) when the pattern
// is absolute or escapes the root with "..", or when a file found resolves outside `root`
// through a symlink (links leaving a datastore are never followed), Error(kNotFound) when a
// plain path does not exist or a glob matches nothing (naming the folder searched).
std::vector<MatchedFile> match_datastore_files(const std::string& root, const std::string& pattern,
                                               const std::string& where);

// The same for a local path or glob (absolute, or relative to the current folder): `rel`
// is then relative to the parent of the pattern's fixed leading part, so that "data/x/"
// gives rel "x/...".
std::vector<MatchedFile> match_local_files(const std::string& pattern);

// The pattern of a local source relative to the folder match_local_files' rel starts at
// ("/data/x/*.csv" -> "x/*.csv"), used to rewrite a source after uploading it.
std::string local_pattern_rel(const std::string& pattern);

// Reads partition values from the end of `path` per `format` ("{name}" is one segment,
// "{name:yyyy/MM/dd}" a date whose value is normalized to "yyyy-MM-dd[THH:mm:ss]", `*` any
// text in a segment). nullopt when the path does not fit. Throws Error(kInvalidArgument)
// for a malformed format.
std::optional<std::map<std::string, std::string>> parse_partition(const std::string& format,
                                                                  const std::string& path);
// The names in `format`, in order, with whether each is a date.
std::vector<std::pair<std::string, bool>> partition_keys(const std::string& format);

}  // namespace runnel::internal

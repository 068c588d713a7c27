// server/schedule/data_watch.h: what changed under a datastore path since the last poll,
// for data-change schedules (v1 `Schedule.create(datastore=, path_on_datastore=,
// polling_interval=, data_path_parameter_name=)`).
//
// A poll lists the folder (or the single file) and compares each file with the previous
// poll's record: a file is *changed* when it is new or its content digest (SHA-256) differs.
// size, mtime and ctime are only a shortcut: an unchanged stat reuses the recorded digest,
// so a touched file whose bytes are the same does not count, and a file rewritten with the
// same size and mtime is still caught by its ctime. Removed files are dropped silently.
// Thread-safety: a FileStateMap belongs to one caller; scan() is reentrant.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace runnel::schedule {

struct WatchedFile {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t ino = 0;
  std::string digest;  // hex SHA-256
};
using FileStateMap = std::map<std::string, WatchedFile>;  // path relative to the watched root

struct ScanResult {
  FileStateMap files;                // the state now (to be stored for the next poll)
  std::vector<std::string> changed;  // relative paths added or changed, sorted
  bool is_file = false;              // the root is one file (its path is its base name)
};

// Scans `root` (a folder or a file; a missing one is an empty folder, since data may land
// later). Throws Error(kIo) when it exists but cannot be read.
ScanResult scan(const std::string& root, const FileStateMap& before);

nlohmann::json file_states_json(const FileStateMap& m);
FileStateMap file_states_from_json(const nlohmann::json& j);  // tolerant: bad entries dropped

}  // namespace runnel::schedule

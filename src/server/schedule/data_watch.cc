#include "server/schedule/data_watch.h"

#include <filesystem>

#include "core/digest.h"
#include "core/sha256.h"
#include "runnel/error.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace runnel::schedule {

ScanResult scan(const std::string& root, const FileStateMap& before) {
  ScanResult out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  TreeListing listing = list_tree(root);
  out.is_file = listing.is_file;
  for (const auto& e : listing.entries) {
    if (e.kind == EntryKind::kDirectory) continue;
    std::string rel = listing.is_file ? fs::path(root).filename().string() : e.path;
    std::string abs = listing.is_file ? root : root + "/" + e.path;
    WatchedFile w{e.stat.size, e.stat.mtime_ns, e.stat.ctime_ns, e.stat.ino, ""};
    auto it = before.find(rel);
    bool same_stat = it != before.end() && it->second.size == w.size &&
                     it->second.mtime_ns == w.mtime_ns && it->second.ctime_ns == w.ctime_ns &&
                     it->second.ino == w.ino && !it->second.digest.empty();
    if (e.kind == EntryKind::kSymlink) {
      w.digest = e.digest.hex();  // the link's target text, as everywhere in runnel
    } else if (same_stat) {
      w.digest = it->second.digest;
    } else {
      try {
        w.digest = sha256_file(abs).hex();
      } catch (const Error&) {
        continue;  // vanished between listing and reading: seen at the next poll if back
      }
    }
    if (it == before.end() || it->second.digest != w.digest) out.changed.push_back(rel);
    out.files[rel] = w;
  }
  return out;
}

json file_states_json(const FileStateMap& m) {
  json j = json::object();
  for (const auto& [p, w] : m)
    j[p] = {{"size", w.size},
            {"mtime_ns", w.mtime_ns},
            {"ctime_ns", w.ctime_ns},
            {"ino", w.ino},
            {"digest", w.digest}};
  return j;
}

FileStateMap file_states_from_json(const json& j) {
  FileStateMap m;
  if (!j.is_object()) return m;
  for (const auto& [p, v] : j.items()) {
    if (!v.is_object()) continue;
    WatchedFile w;
    w.size = v.value("size", uint64_t{0});
    w.mtime_ns = v.value("mtime_ns", int64_t{0});
    w.ctime_ns = v.value("ctime_ns", int64_t{0});
    w.ino = v.value("ino", uint64_t{0});
    w.digest = v.value("digest", std::string());
    m[p] = w;
  }
  return m;
}

}  // namespace runnel::schedule

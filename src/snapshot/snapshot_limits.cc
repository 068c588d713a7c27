// The advice given when a code folder is too large to snapshot.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "runnel/error.h"
#include "snapshot/snapshot.h"

namespace runnel {

namespace {

std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string pad_left(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

// Extensions of source and config files: never suggested as `*.ext` ignore
// lines.
bool is_code_extension(const std::string& ext) {
  static const std::set<std::string> kCode = {
      "py", "sh", "r",   "R", "ipynb", "yml", "yaml", "json", "toml",  "cfg", "ini", "md", "txt",
      "c",  "cc", "cpp", "h", "hpp",   "js",  "ts",   "java", "scala", "sql", "jl",  "go"};
  return kCode.count(ext) > 0;
}

std::string extension(const std::string& path) {
  size_t slash = path.rfind('/');
  size_t dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  if (dot == 0 || (slash != std::string::npos && dot == slash + 1)) return "";  // dotfile
  return path.substr(dot + 1);
}

struct FolderStats {
  uint64_t bytes = 0;
  uint64_t files = 0;
};

}  // namespace

void check_snapshot_limits(const TreeListing& listing, const SnapshotLimits& limits,
                           const std::string& ignore_file) {
  bool too_big = limits.max_bytes != 0 && listing.total_bytes > limits.max_bytes;
  bool too_many = limits.max_files != 0 && listing.file_count > limits.max_files;
  if (!too_big && !too_many) return;

  std::vector<const FileEntry*> files;
  std::map<std::string, FolderStats> folders;
  for (const FileEntry& e : listing.entries) {
    if (e.kind == EntryKind::kDirectory) continue;
    files.push_back(&e);
    for (size_t pos = e.path.find('/'); pos != std::string::npos; pos = e.path.find('/', pos + 1)) {
      FolderStats& f = folders[e.path.substr(0, pos)];
      f.bytes += e.size;
      f.files += 1;
    }
  }
  std::sort(files.begin(), files.end(), [](const FileEntry* a, const FileEntry* b) {
    return a->size != b->size ? a->size > b->size : a->path < b->path;
  });
  // Rank folders by what is over the limit: bytes, or file count.
  auto weight = [&](const FolderStats& f) { return too_big ? f.bytes : f.files; };
  std::vector<std::pair<std::string, FolderStats>> ranked(folders.begin(), folders.end());
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    return weight(a.second) != weight(b.second) ? weight(a.second) > weight(b.second)
                                                : a.first < b.first;
  });

  std::string msg = "the code folder '" + listing.root +
                    "' is too large to snapshot: " + human_bytes(listing.total_bytes) + " in " +
                    std::to_string(listing.file_count) + " files (limits: ";
  msg += limits.max_bytes ? human_bytes(limits.max_bytes) : "no size limit";
  msg += ", ";
  msg += limits.max_files ? std::to_string(limits.max_files) + " files" : "no file limit";
  msg += ").\nLargest files:\n";
  for (size_t i = 0; i < files.size() && i < 10; ++i) {
    msg += "  " + pad_left(human_bytes(files[i]->size), 9) + "  " + files[i]->path + "\n";
  }
  if (!ranked.empty()) msg += "Largest folders:\n";
  for (size_t i = 0; i < ranked.size() && i < 5; ++i) {
    msg += "  " + pad_left(human_bytes(ranked[i].second.bytes), 9) + "  " +
           pad_left(std::to_string(ranked[i].second.files), 6) +
           (ranked[i].second.files == 1 ? " file   " : " files  ") + ranked[i].first + "/\n";
  }

  // Suggestions: the shallowest heavy folders (>= 10% of the excess measure),
  // then the heaviest non-code extensions among the remaining files.
  uint64_t total = too_big ? listing.total_bytes : listing.file_count;
  std::vector<std::string> chosen_dirs;
  for (const auto& [dir, stats] : ranked) {
    if (chosen_dirs.size() == 3 || weight(stats) * 10 < total) break;
    bool under_chosen = false;
    for (const auto& c : chosen_dirs) under_chosen |= dir.rfind(c + "/", 0) == 0;
    if (!under_chosen) chosen_dirs.push_back(dir);
  }
  auto under_dirs = [&](const std::string& path) {
    for (const auto& c : chosen_dirs) {
      if (path.rfind(c + "/", 0) == 0) return true;
    }
    return false;
  };
  std::map<std::string, uint64_t> by_ext;
  for (const FileEntry* f : files) {
    std::string ext = extension(f->path);
    if (!ext.empty() && !is_code_extension(ext) && !under_dirs(f->path)) {
      by_ext[ext] += too_big ? f->size : 1;
    }
  }
  std::vector<std::pair<std::string, uint64_t>> exts(by_ext.begin(), by_ext.end());
  std::sort(exts.begin(), exts.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<std::string> chosen_exts;
  for (const auto& [ext, w] : exts) {
    if (chosen_exts.size() == 2 || w * 10 < total) break;
    chosen_exts.push_back(ext);
  }
  std::string file = ignore_file.empty() ? ".runnelignore" : ignore_file;
  if (!chosen_dirs.empty() || !chosen_exts.empty()) {
    uint64_t left_bytes = 0, left_files = 0;
    for (const FileEntry* f : files) {
      std::string ext = extension(f->path);
      bool gone = under_dirs(f->path) ||
                  std::find(chosen_exts.begin(), chosen_exts.end(), ext) != chosen_exts.end();
      if (!gone) {
        left_bytes += f->size;
        left_files += 1;
      }
    }
    msg += "To leave them out, add these lines to " + listing.root + "/" + file + ":\n";
    for (const auto& d : chosen_dirs) msg += "  /" + d + "/\n";  // anchored: not lib/data/
    for (const auto& e : chosen_exts) msg += "  *." + e + "\n";
    msg += "(that leaves " + human_bytes(left_bytes) + " in " + std::to_string(left_files) +
           " files)\n";
  } else {
    msg +=
        "Leave out what the step does not need (data, checkpoints, outputs) "
        "with lines in " +
        listing.root + "/" + file + " (gitignore syntax).\n";
  }
  msg +=
      "Data belongs in a dataset or datastore input, not in the code "
      "folder. To raise the "
      "limits instead, set snapshot.max_bytes / snapshot.max_files in the "
      "workspace's "
      ".runnel/config.json, or set RUNNEL_SNAPSHOT_NO_FILE_LIMIT=1 to lift "
      "the file-count "
      "limit.";
  throw invalid_argument(msg);
}

}  // namespace runnel

#include "core/digest.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/thread_pool.h"
#include "runnel/error.h"

namespace runnel {

namespace {

constexpr char kTreeHeader[] = "runnel-tree-v1\n";

std::string errno_text() { return std::strerror(errno); }

std::string join(const std::string& root, const std::string& rel) {
  return rel.empty() ? root : root + "/" + rel;
}

std::string read_link(const std::string& full, size_t size_hint) {
  std::string target(std::max<size_t>(size_hint, 64) + 1, '\0');
  for (;;) {
    ssize_t n = ::readlink(full.c_str(), target.data(), target.size());
    if (n < 0) throw io_error("cannot read the symlink '" + full + "': " + errno_text());
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

class Walker {
 public:
  Walker(const std::string& root, const IgnoreMatcher* ignore, TreeListing* out)
      : root_(root), ignore_(ignore), out_(out) {}

  void walk_dir(const std::string& rel) {
    std::string full = join(root_, rel);
    DIR* dir = ::opendir(full.c_str());
    if (dir == nullptr) throw io_error("cannot list the folder '" + full + "': " + errno_text());
    std::vector<std::string> subdirs;
    try {
      for (;;) {
        errno = 0;
        struct dirent* de = ::readdir(dir);
        if (de == nullptr) {
          if (errno != 0) throw io_error("cannot list the folder '" + full + "': " + errno_text());
          break;
        }
        std::string name = de->d_name;
        if (name == "." || name == "..") continue;
        std::string child = rel.empty() ? name : rel + "/" + name;
        struct stat st;
        if (::fstatat(::dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
          throw io_error("cannot stat '" + join(root_, child) + "': " + errno_text());
        }
        if (add(child, st)) subdirs.push_back(child);
      }
    } catch (...) {
      ::closedir(dir);
      throw;
    }
    ::closedir(dir);
    for (const auto& sub : subdirs) walk_dir(sub);
  }

 private:
  // Adds one entry; returns true if it is a folder to descend into.
  bool add(const std::string& rel, const struct stat& st) {
    bool is_dir = S_ISDIR(st.st_mode);
    if (ignore_ != nullptr && ignore_->excluded_self(rel, is_dir)) return false;
    FileEntry e;
    e.path = rel;
    e.stat = FileStat::from(st);
    if (is_dir) {
      e.kind = EntryKind::kDirectory;
    } else if (S_ISREG(st.st_mode)) {
      e.kind = (st.st_mode & S_IXUSR) ? EntryKind::kExecutable : EntryKind::kFile;
      e.size = static_cast<uint64_t>(st.st_size);
    } else if (S_ISLNK(st.st_mode)) {
      e.kind = EntryKind::kSymlink;
      std::string target = read_link(join(root_, rel), static_cast<size_t>(st.st_size));
      e.size = target.size();
      e.digest = sha256(target);
    } else {
      throw invalid_argument("'" + join(root_, rel) +
                             "' is a socket, FIFO or device; runnel digests only files, "
                             "symlinks and folders. Add it to the folder's .runnelignore.");
    }
    if (!is_dir) {
      out_->total_bytes += e.size;
      out_->file_count += 1;
    }
    out_->entries.push_back(std::move(e));
    return is_dir;
  }

  const std::string& root_;
  const IgnoreMatcher* ignore_;
  TreeListing* out_;
};

// Hashes one regular file, retrying if it changes while being read. Records the
// result in `cache` only if the file was stable and old enough (see
// stat_cache.h).
void hash_file(const std::string& full, bool follow, FileEntry* e, StatCache* cache) {
  for (int attempt = 0;; ++attempt) {
    int64_t started = StatCache::now_ns();
    int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
    if (fd < 0) throw io_error("cannot open '" + full + "' to compute its digest: " + errno_text());
    struct stat before, after;
    Digest d;
    try {
      if (::fstat(fd, &before) != 0) throw io_error("cannot stat '" + full + "': " + errno_text());
      d = sha256_fd(fd, full);
      if (::fstat(fd, &after) != 0) throw io_error("cannot stat '" + full + "': " + errno_text());
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    FileStat st = FileStat::from(before);
    bool stable = st == FileStat::from(after);
    if (stable || attempt == 2) {
      e->digest = d;
      e->stat = st;
      e->size = st.size;
      if (stable && cache != nullptr) cache->record(st, d, started);
      return;
    }
  }
}

}  // namespace

const char* entry_kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::kFile:
      return "file";
    case EntryKind::kExecutable:
      return "executable";
    case EntryKind::kSymlink:
      return "symlink";
    case EntryKind::kDirectory:
      return "directory";
  }
  return "file";
}

TreeListing list_tree(const std::string& path, const IgnoreMatcher* ignore) {
  TreeListing out;
  if (path.find('\0') != std::string::npos) {
    // The C calls would see only the text before it: a folder that is not the one named,
    // and (its entries joined after the NUL) the same folder again, forever.
    throw invalid_argument("the path '" + path.substr(0, path.find('\0')) +
                           "\\0...' holds a NUL character; no file or folder can be named so");
  }
  out.root = path;
  while (out.root.size() > 1 && out.root.back() == '/') out.root.pop_back();
  struct stat st;
  if (::stat(out.root.c_str(), &st) != 0) {
    if (errno == ENOENT) throw io_error("'" + path + "' does not exist (nothing to digest)");
    throw io_error("cannot stat '" + path + "': " + errno_text());
  }
  if (S_ISREG(st.st_mode)) {
    out.is_file = true;
    FileEntry e;
    size_t slash = out.root.rfind('/');
    e.path = slash == std::string::npos ? out.root : out.root.substr(slash + 1);
    e.kind = (st.st_mode & S_IXUSR) ? EntryKind::kExecutable : EntryKind::kFile;
    e.size = static_cast<uint64_t>(st.st_size);
    e.stat = FileStat::from(st);
    out.total_bytes = e.size;
    out.file_count = 1;
    out.entries.push_back(std::move(e));
    return out;
  }
  if (!S_ISDIR(st.st_mode)) {
    throw invalid_argument("'" + path + "' is neither a file nor a folder; cannot digest it");
  }
  Walker(out.root, ignore, &out).walk_dir("");
  std::sort(out.entries.begin(), out.entries.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  return out;
}

Digest tree_digest(const std::vector<FileEntry>& sorted_entries) {
  Sha256 h;
  h.update(kTreeHeader);
  static constexpr char kKinds[] = {'f', 'x', 'l', 'd'};
  for (const FileEntry& e : sorted_entries) {
    h.update(&kKinds[static_cast<int>(e.kind)], 1);
    h.update(e.path.data(), e.path.size() + 1);  // with the terminating '\0'
    if (e.kind == EntryKind::kDirectory) {
      h.update(Digest{}.bytes.data(), 32);
    } else {
      h.update(e.digest.bytes.data(), 32);
    }
  }
  return h.finish();
}

TreeDigest digest_listing(TreeListing listing, StatCache* cache, size_t threads) {
  TreeDigest out;
  out.is_file = listing.is_file;
  std::vector<size_t> to_hash;
  for (size_t i = 0; i < listing.entries.size(); ++i) {
    FileEntry& e = listing.entries[i];
    if (e.kind != EntryKind::kFile && e.kind != EntryKind::kExecutable) continue;
    if (cache != nullptr) {
      if (auto hit = cache->lookup(e.stat)) {
        e.digest = *hit;
        continue;
      }
    }
    to_hash.push_back(i);
  }
  parallel_for(to_hash.size(), threads, [&](size_t k) {
    FileEntry& e = listing.entries[to_hash[k]];
    if (listing.is_file) {
      hash_file(listing.root, true, &e, cache);
    } else {
      hash_file(join(listing.root, e.path), e.via_link, &e, cache);
    }
  });
  for (size_t i : to_hash) out.hashed_bytes += listing.entries[i].size;
  if (cache != nullptr) cache->flush();
  out.hashed_files = to_hash.size();
  out.total_bytes = 0;
  for (const FileEntry& e : listing.entries) {
    if (e.kind != EntryKind::kDirectory) out.total_bytes += e.size;
  }
  out.file_count = listing.file_count;
  out.digest = listing.is_file ? listing.entries[0].digest : tree_digest(listing.entries);
  out.files = std::move(listing.entries);
  return out;
}

TreeDigest digest_path(const std::string& path, StatCache* cache, const IgnoreMatcher* ignore) {
  return digest_listing(list_tree(path, ignore), cache);
}

std::vector<EntryChange> diff_entries(const std::vector<FileEntry>& before,
                                      const std::vector<FileEntry>& after) {
  std::vector<EntryChange> out;
  size_t i = 0, j = 0;
  while (i < before.size() || j < after.size()) {
    if (j == after.size() || (i < before.size() && before[i].path < after[j].path)) {
      out.push_back({EntryChange::Type::kRemoved, before[i++].path});
    } else if (i == before.size() || after[j].path < before[i].path) {
      out.push_back({EntryChange::Type::kAdded, after[j++].path});
    } else {
      if (before[i].kind != after[j].kind || before[i].digest != after[j].digest) {
        out.push_back({EntryChange::Type::kModified, after[j].path});
      }
      ++i;
      ++j;
    }
  }
  return out;
}

}  // namespace runnel

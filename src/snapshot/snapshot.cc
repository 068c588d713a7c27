#include "snapshot/snapshot.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "runnel/error.h"

namespace runnel {

namespace {

constexpr size_t kChunk = size_t{1} << 20;

std::string errno_text() { return std::strerror(errno); }

struct ArchiveWriter {
  struct archive* a = archive_write_new();
  ~ArchiveWriter() { archive_write_free(a); }
};
struct ArchiveReader {
  struct archive* a = archive_read_new();
  ~ArchiveReader() { archive_read_free(a); }
};
struct DiskWriter {
  struct archive* a = archive_write_disk_new();
  ~DiskWriter() { archive_write_free(a); }
};
struct Entry {
  struct archive_entry* e = archive_entry_new();
  ~Entry() { archive_entry_free(e); }
};

std::string read_link(const std::string& full) {
  std::string target(4096, '\0');
  ssize_t n = ::readlink(full.c_str(), target.data(), target.size());
  if (n < 0) throw io_error("cannot read the symlink '" + full + "': " + errno_text());
  target.resize(static_cast<size_t>(n));
  return target;
}

std::string changed_error(const std::string& full) {
  return "'" + full + "' changed while runnel was snapshotting its folder; snapshot again " +
         "once nothing writes into the code folder (outputs belong in an "
         "output folder)";
}

// Writes one entry of `code_dir` into `a`, checking that the bytes match the
// digest taken from the same listing.
void write_entry(struct archive* a, const std::string& code_dir, const FileEntry& f, char* buffer,
                 const std::string& tmp) {
  std::string full = code_dir + "/" + f.path;
  Entry entry;
  archive_entry_set_pathname(entry.e, f.path.c_str());
  archive_entry_set_mtime(entry.e, 0, 0);
  archive_entry_set_uid(entry.e, 0);
  archive_entry_set_gid(entry.e, 0);
  int fd = -1;
  switch (f.kind) {
    case EntryKind::kDirectory:
      archive_entry_set_filetype(entry.e, AE_IFDIR);
      archive_entry_set_perm(entry.e, 0755);
      break;
    case EntryKind::kSymlink: {
      std::string target = read_link(full);
      if (sha256(target) != f.digest) throw io_error(changed_error(full));
      archive_entry_set_filetype(entry.e, AE_IFLNK);
      archive_entry_set_perm(entry.e, 0777);
      archive_entry_set_symlink(entry.e, target.c_str());
      break;
    }
    case EntryKind::kFile:
    case EntryKind::kExecutable:
      fd = ::open(full.c_str(), O_RDONLY | (f.via_link ? 0 : O_NOFOLLOW) | O_CLOEXEC);
      if (fd < 0) throw io_error("cannot open '" + full + "' to snapshot it: " + errno_text());
      (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      archive_entry_set_filetype(entry.e, AE_IFREG);
      archive_entry_set_perm(entry.e, f.kind == EntryKind::kExecutable ? 0755 : 0644);
      archive_entry_set_size(entry.e, static_cast<la_int64_t>(f.size));
      break;
  }
  struct FdCloser {
    int fd;
    ~FdCloser() {
      if (fd >= 0) ::close(fd);
    }
  } closer{fd};
  if (archive_write_header(a, entry.e) != ARCHIVE_OK) {
    throw io_error("cannot write the snapshot '" + tmp + "': " + archive_error_string(a));
  }
  if (fd < 0) return;
  Sha256 hasher;
  uint64_t done = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer, kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("cannot read '" + full + "': " + errno_text());
    if (n == 0) break;
    done += static_cast<uint64_t>(n);
    if (done > f.size) throw io_error(changed_error(full));
    hasher.update(buffer, static_cast<size_t>(n));
    if (archive_write_data(a, buffer, static_cast<size_t>(n)) < 0) {
      throw io_error("cannot write the snapshot '" + tmp + "': " + archive_error_string(a));
    }
  }
  if (done != f.size || hasher.finish() != f.digest) throw io_error(changed_error(full));
}

// Writes the archive of `files` into `tmp` and fsyncs it.
void write_archive(const std::string& code_dir, const std::vector<FileEntry>& files,
                   const std::string& tmp) {
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error("cannot create the snapshot '" + tmp + "': " + errno_text());
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  ArchiveWriter w;
  if (archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
      archive_write_add_filter_zstd(w.a) != ARCHIVE_OK ||
      archive_write_open_fd(w.a, fd) != ARCHIVE_OK) {
    throw io_error("cannot start the snapshot '" + tmp + "': " + archive_error_string(w.a));
  }
  std::unique_ptr<char[]> buffer(new char[kChunk]);
  for (const FileEntry& f : files) write_entry(w.a, code_dir, f, buffer.get(), tmp);
  if (archive_write_close(w.a) != ARCHIVE_OK) {
    throw io_error("cannot finish the snapshot '" + tmp + "': " + archive_error_string(w.a));
  }
  if (::fsync(fd) != 0) throw io_error("cannot sync the snapshot '" + tmp + "': " + errno_text());
}

// Accepts only relative paths without "." / ".." components.
bool safe_relative(const std::string& p) {
  if (p.empty() || p[0] == '/') return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    std::string part = p.substr(start, end - start);
    if (part == "..") return false;
    start = end + 1;
  }
  return true;
}

// The symlink rule (README.md): a relative link whose target resolves inside the code folder
// to an entry that is itself snapshotted stays a link (its target's content is in the digest
// already). Any other link to a file (absolute, leaving the folder, or to an ignored file) is
// stored as that file's content, so that a changed target changes the digest. A link leaving
// the folder to a folder, or whose target does not exist, is refused.
void resolve_links(const std::string& code_dir, TreeListing* listing) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string root = fs::canonical(code_dir, ec).string();
  if (ec) throw io_error("cannot resolve the code folder '" + code_dir + "': " + ec.message());
  std::set<std::string> listed;
  for (const FileEntry& e : listing->entries) listed.insert(e.path);
  for (FileEntry& e : listing->entries) {
    if (e.kind != EntryKind::kSymlink) continue;
    std::string full = code_dir + "/" + e.path;
    std::string target = read_link(full);
    if (!fs::path(target).is_absolute()) {
      std::error_code rec;
      fs::path resolved =
          fs::weakly_canonical(fs::path(root) / fs::path(e.path).parent_path() / target, rec);
      std::string rs = resolved.string();
      if (!rec && rs.rfind(root + "/", 0) == 0 && listed.count(rs.substr(root.size() + 1)))
        continue;
    }
    struct stat st;
    std::string shown = "'" + e.path + "' -> '" + target + "' in the code folder " + code_dir;
    if (::stat(full.c_str(), &st) != 0)
      throw invalid_argument(
          "the symlink " + shown + " leads outside the folder (or to an ignored file) and " +
          "its target cannot be read (" + errno_text() + "); copy the file into the " +
          "code folder, or add the link to .runnelignore");
    if (!S_ISREG(st.st_mode))
      throw invalid_argument(
          "the symlink " + shown +
          " leads to a folder (or a special file) outside the "
          "code folder; a snapshot holds only the code folder: copy what it needs "
          "into it, or add the link to .runnelignore");
    listing->total_bytes += static_cast<uint64_t>(st.st_size) - e.size;
    e.kind = (st.st_mode & S_IXUSR) ? EntryKind::kExecutable : EntryKind::kFile;
    e.size = static_cast<uint64_t>(st.st_size);
    e.stat = FileStat::from(st);
    e.digest = Digest{};
    e.via_link = true;
  }
}

}  // namespace

IgnoreMatcher snapshot_ignore(const std::string& code_dir) {
  IgnoreMatcher m = IgnoreMatcher::from_root(code_dir);
  m.add_line(".git");  // added last, so no negation in the ignore file re-includes them
  m.add_line(".runnel");
  return m;
}

SnapshotInfo create_snapshot(const std::string& code_dir, const std::string& snapshots_root,
                             const SnapshotLimits& limits, StatCache* cache) {
  IgnoreMatcher ignore = snapshot_ignore(code_dir);
  TreeListing listing = list_tree(code_dir, &ignore);
  if (listing.is_file) {
    throw invalid_argument("the code folder '" + code_dir +
                           "' is a file; `code` / source_directory must name a folder");
  }
  resolve_links(code_dir, &listing);
  check_snapshot_limits(listing, limits, ignore.source_file());
  TreeDigest tree = digest_listing(std::move(listing), cache);

  SnapshotInfo info;
  info.digest = tree.digest;
  info.file_count = tree.file_count;
  info.total_bytes = tree.total_bytes;
  info.ignore_file = ignore.source_file();
  info.archive_path = snapshots_root + "/" + tree.digest.hex() + ".tar.zst";

  std::error_code ec;
  std::filesystem::create_directories(snapshots_root, ec);
  if (ec) {
    throw io_error("cannot create the snapshots folder '" + snapshots_root + "': " + ec.message());
  }
  struct stat st;
  if (::stat(info.archive_path.c_str(), &st) != 0) {
    static std::atomic<uint64_t> counter{0};
    std::string tmp = snapshots_root + "/.tmp-" + tree.digest.hex().substr(0, 16) + "-" +
                      std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".tar.zst";
    try {
      write_archive(code_dir, tree.files, tmp);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
    if (::rename(tmp.c_str(), info.archive_path.c_str()) != 0) {
      ::unlink(tmp.c_str());
      throw io_error("cannot store the snapshot '" + info.archive_path + "': " + errno_text());
    }
    info.created = true;
  }
  info.files = std::move(tree.files);
  return info;
}

void extract_snapshot(const std::string& archive_path, const std::string& dest_dir) {
  std::error_code ec;
  std::filesystem::create_directories(dest_dir, ec);
  // A canonical destination has no symlinks or "..", so libarchive's checks for
  // those apply to the archive's paths only.
  std::string dest = ec ? "" : std::filesystem::canonical(dest_dir, ec).string();
  if (ec) throw io_error("cannot create the folder '" + dest_dir + "': " + ec.message());
  ArchiveReader r;
  archive_read_support_format_tar(r.a);
  archive_read_support_filter_zstd(r.a);
  if (archive_read_open_filename(r.a, archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw io_error("cannot open the snapshot '" + archive_path + "': " + archive_error_string(r.a));
  }
  DiskWriter disk;
  archive_write_disk_set_options(disk.a, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                             ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  for (;;) {
    struct archive_entry* entry = nullptr;
    int rc = archive_read_next_header(r.a, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) {
      throw corruption("the snapshot '" + archive_path + "' is damaged: " +
                       archive_error_string(r.a) + "; delete it and snapshot the code again");
    }
    std::string rel = archive_entry_pathname(entry);
    if (!safe_relative(rel)) {
      throw corruption("the snapshot '" + archive_path + "' holds an unsafe path '" + rel +
                       "'; refusing to extract it");
    }
    std::string out = dest + "/" + rel;
    archive_entry_set_pathname(entry, out.c_str());
    if (archive_write_header(disk.a, entry) != ARCHIVE_OK) {
      throw io_error("cannot extract '" + out + "' from '" + archive_path +
                     "': " + archive_error_string(disk.a));
    }
    const void* block;
    size_t size;
    la_int64_t offset;
    while ((rc = archive_read_data_block(r.a, &block, &size, &offset)) == ARCHIVE_OK) {
      if (archive_write_data_block(disk.a, block, size, offset) != ARCHIVE_OK) {
        throw io_error("cannot write '" + out + "': " + archive_error_string(disk.a));
      }
    }
    if (rc != ARCHIVE_EOF) {
      throw corruption("the snapshot '" + archive_path + "' is damaged at '" + rel +
                       "': " + archive_error_string(r.a));
    }
    if (archive_write_finish_entry(disk.a) != ARCHIVE_OK) {
      throw io_error("cannot finish '" + out + "': " + archive_error_string(disk.a));
    }
  }
  if (archive_write_close(disk.a) != ARCHIVE_OK) {
    throw io_error("cannot finish extracting into '" + dest_dir +
                   "': " + archive_error_string(disk.a));
  }
}

}  // namespace runnel

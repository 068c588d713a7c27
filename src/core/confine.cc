// File operations confined beneath a root folder (core/confine.h).
#include "core/confine.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "runnel/error.h"

namespace fs = std::filesystem;

namespace runnel {

namespace {

// The components of a relative path, without "" and "."; ".." is kept (refused later by the
// kernel when it leaves the root, or by the fallback walk).
std::vector<std::string> components(const std::string& rel) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string c = rel.substr(start, end - start);
    if (!c.empty() && c != ".") out.push_back(c);
    start = end + 1;
  }
  return out;
}

[[noreturn]] void throw_open_error(int err, const std::string& root, const std::string& rel,
                                   const std::string& what) {
  std::string where = "'" + rel + "' on " + what + " (" + root + ")";
  if (err == EXDEV || err == ELOOP)
    throw invalid_argument(where + " resolves outside " + root +
                           " (through a symlink or '..'); links leaving the " + what +
                           " are not followed: remove the link or copy the data in");
  if (err == ENOENT) throw not_found(where + " does not exist");
  if (err == ENOTDIR) throw not_found(where + ": a part of the path is not a folder");
  throw io_error("cannot open " + where + ": " + std::strerror(err));
}

// openat2(RESOLVE_BENEATH); -1 with errno (ENOSYS when the kernel lacks it).
int openat2_beneath(int dirfd, const std::string& rel, int flags, mode_t mode) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    long fd = ::syscall(SYS_openat2, dirfd, rel.empty() ? "." : rel.c_str(), &how, sizeof how);
    if (fd >= 0 || errno != EINTR) return static_cast<int>(fd);
  }
}

// The fallback: one component at a time, no symlink followed anywhere, no "..".
int open_walk_nofollow(int dirfd, const std::string& rel, int flags, mode_t mode) {
  auto parts = components(rel);
  if (parts.empty()) return ::openat(dirfd, ".", flags | O_CLOEXEC, mode);
  UniqueFd cur;
  int at = dirfd;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] == "..") {
      errno = EXDEV;
      return -1;
    }
    int fd = ::openat(at, parts[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;  // ENOTDIR also for a symlink (O_PATH|O_NOFOLLOW opens the link)
    cur = UniqueFd(fd);
    at = fd;
  }
  if (parts.back() == "..") {
    errno = EXDEV;
    return -1;
  }
  return ::openat(at, parts.back().c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
}

UniqueFd open_root(const std::string& root, const std::string& what) {
  int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_open_error(errno, root, ".", what);
  return UniqueFd(fd);
}

int open_at_beneath(int rootfd, const std::string& rel, int flags, mode_t mode) {
  int fd = openat2_beneath(rootfd, rel, flags, mode);
  if (fd < 0 && (errno == ENOSYS || errno == EPERM))
    fd = open_walk_nofollow(rootfd, rel, flags, mode);
  return fd;
}

void check_relative(const std::string& root, const std::string& rel, const std::string& what) {
  if (!rel.empty() && rel[0] == '/')
    throw invalid_argument("path '" + rel + "' on " + what + " (" + root +
                           ") must be relative (no leading '/')");
}

}  // namespace

UniqueFd open_beneath(const std::string& root, const std::string& rel, int flags,
                      const std::string& what, mode_t mode) {
  check_relative(root, rel, what);
  UniqueFd rootfd = open_root(root, what);
  int fd = open_at_beneath(rootfd.get(), rel, flags, mode);
  if (fd < 0) throw_open_error(errno, root, rel, what);
  return UniqueFd(fd);
}

UniqueFd open_dir_beneath(const std::string& root, const std::string& rel, bool create,
                          const std::string& what) {
  check_relative(root, rel, what);
  UniqueFd rootfd = open_root(root, what);
  UniqueFd cur(::dup(rootfd.get()));
  std::string prefix;
  for (const auto& part : components(rel)) {
    prefix += (prefix.empty() ? "" : "/") + part;
    int fd = open_at_beneath(rootfd.get(), prefix, O_PATH | O_DIRECTORY, 0);
    if (fd < 0 && errno == ENOENT && create && part != "..") {
      // Created inside the (already confined) parent, then resolved beneath the root again.
      if (::mkdirat(cur.get(), part.c_str(), 0755) != 0 && errno != EEXIST)
        throw io_error("cannot create folder '" + prefix + "' on " + what + " (" + root +
                       "): " + std::strerror(errno));
      fd = open_at_beneath(rootfd.get(), prefix, O_PATH | O_DIRECTORY, 0);
    }
    if (fd < 0) throw_open_error(errno, root, prefix, what);
    cur = UniqueFd(fd);
  }
  return cur;
}

void check_resolves_beneath(const std::string& root, const std::string& path,
                            const std::string& what) {
  std::error_code ec;
  fs::path r = fs::canonical(root, ec);
  if (ec) throw not_found(what + " folder " + root + " does not exist: " + ec.message());
  fs::path p = fs::path(path).lexically_normal();
  fs::path resolved = fs::weakly_canonical(p, ec);
  if (ec) throw io_error("cannot resolve " + path + ": " + ec.message());
  std::string rs = r.string(), ps = resolved.string();
  if (ps != rs && ps.rfind(rs + "/", 0) != 0)
    throw invalid_argument(
        path + " resolves to " + ps + ", outside " + what + " (" + rs +
        "): a symlink on the way leads out; remove the link or choose another path");
}

void check_links_stay_inside(const std::string& path, const std::string& what) {
  std::error_code ec;
  auto st = fs::symlink_status(path, ec);
  if (ec) throw io_error("cannot inspect " + what + " at " + path + ": " + ec.message());
  if (fs::is_symlink(st))
    throw invalid_argument(what + " is a symlink (" + path + " -> " +
                           fs::read_symlink(path, ec).string() +
                           "), and an output must hold its own data: copy the file into the output "
                           "instead of linking to it");
  if (!fs::is_directory(st)) return;
  fs::path top = fs::canonical(path, ec);
  if (ec) throw io_error("cannot resolve " + path + ": " + ec.message());
  const std::string tops = top.string();
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_symlink(ec)) continue;
    fs::path link = it->path();
    fs::path target = fs::read_symlink(link, ec);
    if (ec) break;
    std::string shown = link.lexically_relative(path).generic_string() + " -> " + target.string();
    if (target.is_absolute())
      throw invalid_argument(what + " holds an absolute symlink (" + shown +
                             "); links in an output must be relative and stay inside it: make it "
                             "relative or copy the data in");
    std::error_code rec;
    fs::path resolved =
        fs::weakly_canonical(top / link.parent_path().lexically_relative(path) / target, rec);
    std::string rs = resolved.string();
    if (rec || (rs != tops && rs.rfind(tops + "/", 0) != 0))
      throw invalid_argument(what + " holds a symlink leading outside it (" + shown +
                             (rec ? ", " + rec.message() : "") +
                             "); links in an output must stay inside it: copy the data in instead");
  }
  if (ec) throw io_error("cannot list " + what + " at " + path + ": " + ec.message());
}

}  // namespace runnel

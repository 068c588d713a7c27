#include "core/fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runnel/error.h"

namespace fs = std::filesystem;

namespace runnel {

namespace {
std::string errno_text() { return std::strerror(errno); }
}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!fs::exists(path)) throw not_found("file not found: " + path);
    throw io_error("cannot read " + path + ": " + errno_text());
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file_atomic(const std::string& path, const std::string& data, bool durable) {
  static std::atomic<uint64_t> counter{0};
  std::string tmp =
      path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error("cannot write " + tmp + ": " + errno_text());
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string e = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      throw io_error("cannot write " + tmp + ": " + e);
    }
    off += static_cast<size_t>(n);
  }
  if (durable) ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string e = errno_text();
    ::unlink(tmp.c_str());
    throw io_error("cannot rename " + tmp + " to " + path + ": " + e);
  }
}

void append_line(const std::string& path, const std::string& line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error("cannot open " + path + " for appending: " + errno_text());
  std::string buf = line + "\n";
  ssize_t n = ::write(fd, buf.data(), buf.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(buf.size())) throw io_error("cannot append to " + path);
}

void make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw io_error("cannot create folder " + path + ": " + ec.message());
}

void remove_all(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) throw io_error("cannot remove " + path + ": " + ec.message());
}

void copy_tree(const std::string& from, const std::string& to, bool link) {
  std::error_code ec;
  auto opts = fs::copy_options::recursive | fs::copy_options::copy_symlinks;
  if (link) opts |= fs::copy_options::create_hard_links;
  fs::copy(from, to, opts, ec);
  if (ec) throw io_error("cannot copy " + from + " to " + to + ": " + ec.message());
}

std::string absolute_path(const std::string& path, const std::string& base) {
  fs::path p(path);
  if (p.is_relative()) p = (base.empty() ? fs::current_path() : fs::path(base)) / p;
  std::string out = p.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

bool path_exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

bool is_directory(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

}  // namespace runnel

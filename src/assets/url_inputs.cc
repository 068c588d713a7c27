#include "assets/url_inputs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/fs.h"
#include "core/sha256.h"
#include "objstore/http.h"
#include "runnel/error.h"

namespace runnel::assets {

namespace {

// The last path segment of `url` (without query or fragment), safe as a file name.
std::string file_name_of(const std::string& url) {
  std::string p = url.substr(0, url.find_first_of("?#"));
  size_t scheme = p.find("://");
  std::string rest = scheme == std::string::npos ? p : p.substr(scheme + 3);
  size_t slash = rest.find('/');
  std::string path = slash == std::string::npos ? "" : rest.substr(slash + 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string name = path.substr(path.find_last_of('/') + 1);
  for (char& c : name)
    if (c == '\0' || c == '\\') c = '_';
  return name.empty() || name == "." || name == ".." ? "download" : name;
}

}  // namespace

std::string fetch_url_input(const Workspace& ws, const std::string& url) {
  std::string dir = ws.runnel_dir() + "/cache/urls/" + sha256_hex(url).substr(0, 16);
  make_dirs(dir);
  std::string final_path = dir + "/" + file_name_of(url);
  std::string tmp = final_path + ".part." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error("cannot create " + tmp + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    std::string tmp;
    ~Closer() {
      if (fd >= 0) ::close(fd);
      if (!tmp.empty()) ::unlink(tmp.c_str());
    }
  } guard{fd, tmp};
  std::string where = objstore::url_for_message(url);
  std::string current = url;
  for (int hop = 0;; ++hop) {
    if (::ftruncate(fd, 0) != 0)
      throw io_error("cannot write " + tmp + ": " + std::strerror(errno));
    objstore::HttpRequest req;
    req.url = current;
    req.out_fd = fd;
    objstore::RetryPolicy policy;
    policy.attempts = 3;
    objstore::HttpResponse r = objstore::http_perform(req, policy);
    if (r.status >= 300 && r.status < 400 && !r.header("location").empty()) {
      if (hop >= 5) throw invalid_argument("GET " + where + ": more than 5 redirects");
      std::string loc = r.header("location");
      if (loc.find("://") == std::string::npos) {  // a path on the same host
        size_t host_end = current.find('/', current.find("://") + 3);
        loc = (host_end == std::string::npos ? current : current.substr(0, host_end)) +
              (loc.empty() || loc[0] != '/' ? "/" : "") + loc;
      }
      current = loc;
      continue;
    }
    if (r.status != 200)
      throw invalid_argument("GET " + where + " answered HTTP " + std::to_string(r.status));
    break;
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    guard.fd = -1;
    throw io_error("cannot write " + tmp + ": " + std::strerror(errno));
  }
  guard.fd = -1;
  if (::rename(tmp.c_str(), final_path.c_str()) != 0)
    throw io_error("cannot move " + tmp + " to " + final_path + ": " + std::strerror(errno));
  guard.tmp.clear();
  return final_path;
}

}  // namespace runnel::assets

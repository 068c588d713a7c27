#include "server/confine.h"

#include <filesystem>
#include <system_error>

#include "runnel/error.h"

namespace fs = std::filesystem;

namespace runnel::server {

bool is_within(const std::string& root, const std::string& path) {
  if (path == root) return true;
  std::string r = root.back() == '/' ? root : root + "/";
  return path.compare(0, r.size(), r) == 0;
}

std::string confine(const std::string& root, const std::string& relative, const std::string& field,
                    bool must_exist) {
  if (relative.find('\0') != std::string::npos)
    throw invalid_argument(field + ": the path contains a NUL byte");
  if (!relative.empty() && relative.front() == '/')
    throw invalid_argument(field + ": '" + relative +
                           "' is absolute; give a path relative to the workspace");
  std::error_code ec;
  fs::path real_root = fs::canonical(root, ec);
  if (ec) throw not_found(field + ": the root folder is gone");
  fs::path joined = relative.empty() ? real_root : real_root / relative;
  fs::path resolved = fs::weakly_canonical(joined, ec);  // follows every existing symlink
  if (ec) throw invalid_argument(field + ": '" + relative + "' cannot be resolved");
  if (!is_within(real_root.string(), resolved.string()))
    throw invalid_argument(field + ": '" + relative + "' leaves the folder it must stay in");
  if (must_exist && !fs::exists(resolved, ec))
    throw not_found(field + ": '" + relative + "' does not exist");
  return resolved.string();
}

}  // namespace runnel::server

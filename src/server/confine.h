// server/confine.h: paths from requests, kept inside a root folder.
//
// A request names a path as text ("data/../x", "%2e%2e/etc", "/etc/passwd", a symlink to
// elsewhere). confine() resolves the text against the root with every symlink followed and
// accepts it only when the *resolved* path lies inside the *resolved* root; the check is on
// the result, never on the text. Stateless; thread-safe.
#pragma once

#include <string>

namespace runnel::server {

// The absolute, symlink-free path of `relative` inside `root`. `relative` must be relative
// ("" = the root itself) and, once resolved, inside `root`; the target need not exist when
// `must_exist` is false (its existing ancestor is then checked). Throws
// Error(kInvalidArgument) naming `field` for an absolute path, a NUL byte or a path that
// leaves the root, and Error(kNotFound) when `must_exist` and it does not exist.
std::string confine(const std::string& root, const std::string& relative, const std::string& field,
                    bool must_exist = true);

// True when `path` (absolute, symlink-free) equals `root` or lies below it.
bool is_within(const std::string& root, const std::string& path);

}  // namespace runnel::server

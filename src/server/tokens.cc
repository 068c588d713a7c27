#include "server/tokens.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/ids.h"
#include "core/sha256.h"
#include "runnel/error.h"

using nlohmann::json;

namespace runnel::server {

namespace {

std::string random_secret() {
  unsigned char buf[24];
  if (RAND_bytes(buf, sizeof buf) != 1)
    throw internal_error("cannot read random bytes for a token");
  static const char* hex = "0123456789abcdef";
  std::string s = "rnl_";
  for (unsigned char c : buf) {
    s += hex[c >> 4];
    s += hex[c & 15];
  }
  return s;
}

// Writes `data` to `path` with mode 0600 from the start (never readable by others).
void write_private(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw io_error("cannot write " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      ::close(fd);
      throw io_error("cannot write " + tmp + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    throw io_error("cannot replace " + path + ": " + std::strerror(errno));
}

int64_t mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec + st.st_size;
}

}  // namespace

const char* scope_name(Scope s) { return s == Scope::kAdmin ? "admin" : "read"; }

Scope parse_scope(const std::string& s) {
  if (s == "admin") return Scope::kAdmin;
  if (s == "read") return Scope::kRead;
  throw invalid_argument("scope: '" + s + "' is not a token scope; use 'admin' or 'read'");
}

TokenStore::TokenStore(std::string runnel_dir) : dir_(std::move(runnel_dir) + "/server") {}

std::vector<TokenInfo> TokenStore::load() const {
  std::string path = dir_ + "/tokens.json";
  int64_t m = mtime_ns(path);
  if (m == cache_mtime_ns_) return cache_;
  std::vector<TokenInfo> out;
  if (path_exists(path)) {
    json j = json::parse(read_file(path), nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw corruption(path + ": not a runnel token file; move it away and restart `runnel serve`");
    for (const auto& t : j.value("tokens", json::array()))
      out.push_back({t.value("name", ""), parse_scope(t.value("scope", "read")),
                     t.value("sha256", ""), t.value("created_at", int64_t{0})});
  }
  cache_ = out;
  cache_mtime_ns_ = m;
  return out;
}

void TokenStore::save(const std::vector<TokenInfo>& tokens) const {
  make_dirs(dir_);
  ::chmod(dir_.c_str(), 0700);
  json arr = json::array();
  for (const auto& t : tokens)
    arr.push_back({{"name", t.name},
                   {"scope", scope_name(t.scope)},
                   {"sha256", t.secret_sha256},
                   {"created_at", t.created_at}});
  write_private(dir_ + "/tokens.json", json{{"tokens", arr}}.dump(2) + "\n");
  cache_mtime_ns_ = -1;
}

std::string TokenStore::create(const std::string& name, Scope scope) {
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
          std::string::npos)
    throw invalid_argument("token name '" + name + "': use 1-64 letters, digits, '_', '.' or '-'");
  std::lock_guard lock(mu_);
  auto tokens = load();
  for (const auto& t : tokens)
    if (t.name == name)
      throw already_exists("a token named '" + name +
                           "' exists; revoke it first or pick another name");
  std::string secret = random_secret();
  tokens.push_back({name, scope, sha256_hex(secret), now_ms()});
  save(tokens);
  return secret;
}

void TokenStore::revoke(const std::string& name) {
  std::lock_guard lock(mu_);
  auto tokens = load();
  auto before = tokens.size();
  std::erase_if(tokens, [&](const TokenInfo& t) { return t.name == name; });
  if (tokens.size() == before)
    throw not_found("no token named '" + name + "'; list them with `runnel token list`");
  save(tokens);
  if (name == "admin") ::unlink((dir_ + "/admin.token").c_str());
}

std::vector<TokenInfo> TokenStore::list() const {
  std::lock_guard lock(mu_);
  return load();
}

std::optional<TokenInfo> TokenStore::check(const std::string& secret) const {
  if (secret.empty()) return std::nullopt;
  std::string h = sha256_hex(secret);
  std::lock_guard lock(mu_);
  for (const auto& t : load())
    if (t.secret_sha256.size() == h.size() &&
        CRYPTO_memcmp(t.secret_sha256.data(), h.data(), h.size()) == 0)
      return t;
  return std::nullopt;
}

bool TokenStore::ensure_admin() {
  {
    std::lock_guard lock(mu_);
    for (const auto& t : load())
      if (t.name == "admin") return false;
  }
  std::string secret = create("admin", Scope::kAdmin);
  write_private(dir_ + "/admin.token", secret + "\n");
  return true;
}

std::string TokenStore::admin_secret() const {
  std::string path = dir_ + "/admin.token";
  if (!path_exists(path)) return "";
  std::string s = read_file(path);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string client_token(const std::string& runnel_dir) {
  if (const char* t = std::getenv("RUNNEL_TOKEN"); t && *t) return t;
  try {
    return TokenStore(runnel_dir).admin_secret();
  } catch (const Error&) {
    return "";
  }
}

}  // namespace runnel::server

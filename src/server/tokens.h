// server/tokens.h: the server's bearer tokens, kept in the workspace.
//
// `.runnel/server/tokens.json` (mode 0600) lists every token by name with its scope and
// the SHA-256 of its secret; the secret itself is shown once, at creation, and never
// stored. The first start of `runnel serve` creates an admin token and writes its secret
// to `.runnel/server/admin.token` (mode 0600) so local clients can find it.
// Thread-safety: a TokenStore may be used from several threads (one mutex); several
// processes coordinate through atomic file replacement (last writer wins on a race).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace runnel::server {

enum class Scope { kAdmin, kRead };
const char* scope_name(Scope s);  // "admin" | "read"
// Throws Error(kInvalidArgument) for anything but "admin" / "read".
Scope parse_scope(const std::string& s);

struct TokenInfo {
  std::string name;
  Scope scope = Scope::kRead;
  std::string secret_sha256;  // hex
  int64_t created_at = 0;
};

class TokenStore {
 public:
  // `runnel_dir`: the workspace's .runnel folder.
  explicit TokenStore(std::string runnel_dir);

  // Creates a token; returns its secret (only copy). Error(kAlreadyExists) if the name is
  // taken, Error(kInvalidArgument) for an empty or odd name.
  std::string create(const std::string& name, Scope scope);
  // Error(kNotFound) when no token has that name.
  void revoke(const std::string& name);
  std::vector<TokenInfo> list() const;
  // The token whose secret this is; nullopt for an unknown or revoked one. Re-reads the
  // file when it changed, so a revoke from the CLI takes effect at once.
  std::optional<TokenInfo> check(const std::string& secret) const;
  // Creates the admin token and admin.token on first start; returns true when it did.
  bool ensure_admin();
  // The secret in admin.token, "" when there is none.
  std::string admin_secret() const;

 private:
  std::vector<TokenInfo> load() const;  // callers hold mu_
  void save(const std::vector<TokenInfo>& tokens) const;
  std::string dir_;
  mutable std::mutex mu_;
  mutable std::vector<TokenInfo> cache_;
  mutable int64_t cache_mtime_ns_ = -1;
};

// The secret of a client: $RUNNEL_TOKEN, else the workspace's admin.token, else "".
std::string client_token(const std::string& runnel_dir);

}  // namespace runnel::server

// core/sha256.h: SHA-256 digests (OpenSSL EVP) of byte strings and files.
//
// Digest is a 32-byte value type. Sha256 is a streaming hasher that keeps one
// EVP context for its whole life (reset() reuses it). sha256_file() reads with
// a large buffer and posix_fadvise(SEQUENTIAL); it measured as fast as mmap and
// `openssl speed` (see README.md).
//
// Thread-safety: Digest is a plain value. A Sha256 object is not shared between
// threads; the free functions are safe to call from any number of threads at
// once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace runnel {

// A SHA-256 value. Default-constructed: all zero bytes (used as "no digest").
struct Digest {
  std::array<uint8_t, 32> bytes{};

  // 64 lowercase hex characters.
  std::string hex() const;
  // Parses 64 hex characters (either case); throws runnel::invalid_argument
  // otherwise.
  static Digest from_hex(std::string_view hex);
  bool is_zero() const;

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;
};

// Streaming SHA-256. Example:
// @code
//   Sha256 h;
//   h.update("ab");
//   h.update("c");
//   std::string hex = h.finish().hex();  // sha256("abc")
// @endcode
class Sha256 {
 public:
  // Throws runnel::internal_error if OpenSSL cannot create a context.
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // Returns the digest of everything given since construction or the last
  // reset(), then resets, so the object can hash the next input.
  Digest finish();
  void reset();

 private:
  struct Impl;
  Impl* impl_;
};

Digest sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

// Digest of a regular file's contents (follows symlinks, like sha256sum).
// Throws runnel::io_error naming the path if it cannot be opened or read.
Digest sha256_file(const std::string& path);

// Digest of the rest of an open file descriptor (read to end of file; does not
// close it). `path` is used in error messages only. Throws runnel::io_error on
// a read error.
Digest sha256_fd(int fd, const std::string& path);

}  // namespace runnel

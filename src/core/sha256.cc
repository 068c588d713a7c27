#include "core/sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "runnel/error.h"

namespace runnel {

namespace {

// 1 MiB: large enough that the read syscall cost vanishes next to hashing (~2
// GB/s with SHA-NI), small enough to stay in L2/L3 while it is hashed.
constexpr size_t kReadBuffer = size_t{1} << 20;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

std::string Digest::hex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

Digest Digest::from_hex(std::string_view hex) {
  Digest d;
  bool ok = hex.size() == 64;
  for (size_t i = 0; ok && i < 32; ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    ok = hi >= 0 && lo >= 0;
    if (ok) d.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  if (!ok) {
    throw invalid_argument("not a SHA-256 hex digest: '" + std::string(hex) +
                           "' (expected 64 hex characters)");
  }
  return d;
}

bool Digest::is_zero() const {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(new Impl) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(impl_->ctx);
    delete impl_;
    throw internal_error("OpenSSL could not create a SHA-256 context");
  }
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(impl_->ctx);
  delete impl_;
}

void Sha256::update(const void* data, size_t size) {
  if (size == 0) return;
  if (EVP_DigestUpdate(impl_->ctx, data, size) != 1) {
    throw internal_error("OpenSSL EVP_DigestUpdate failed");
  }
}

Digest Sha256::finish() {
  Digest d;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, d.bytes.data(), &len) != 1 || len != d.bytes.size()) {
    throw internal_error("OpenSSL EVP_DigestFinal_ex failed");
  }
  reset();
  return d;
}

void Sha256::reset() {
  if (EVP_DigestInit_ex(impl_->ctx, nullptr, nullptr) != 1) {
    throw internal_error("OpenSSL EVP_DigestInit_ex failed");
  }
}

Digest sha256(std::string_view data) {
  Digest d;
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), d.bytes.data(), &len, EVP_sha256(), nullptr) != 1) {
    throw internal_error("OpenSSL EVP_Digest failed");
  }
  return d;
}

std::string sha256_hex(std::string_view data) { return sha256(data).hex(); }

Digest sha256_fd(int fd, const std::string& path) {
  // One hasher and one buffer per thread: hashing thousands of small files must
  // not allocate a context and a megabyte for each.
  thread_local Sha256 hasher;
  thread_local std::unique_ptr<char[]> buffer(new char[kReadBuffer]);
  hasher.reset();
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  for (;;) {
    ssize_t n = ::read(fd, buffer.get(), kReadBuffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("cannot read '" + path + "': " + errno_text(errno));
    }
    hasher.update(buffer.get(), static_cast<size_t>(n));
  }
  return hasher.finish();
}

Digest sha256_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw io_error("cannot open '" + path + "' to compute its digest: " + errno_text(errno));
  }
  try {
    Digest d = sha256_fd(fd, path);
    ::close(fd);
    return d;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

}  // namespace runnel

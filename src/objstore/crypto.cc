// OpenSSL hashing and base64 (objstore/crypto.h).
#include "objstore/crypto.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "runnel/error.h"

namespace runnel::objstore {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
    throw internal_error("OpenSSL HMAC-SHA256 failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string base64_encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string base64_decode(std::string_view text, const std::string& what) {
  std::string out(3 * (text.size() / 4) + 3, '\0');
  int n = text.empty() ? 0
                       : EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                         reinterpret_cast<const unsigned char*>(text.data()),
                                         static_cast<int>(text.size()));
  if (n < 0 || text.size() % 4 != 0) throw invalid_argument(what + " is not valid base64");
  size_t pad = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && pad < 2; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

namespace {
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
}  // namespace

std::string md5_raw(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), out, &len, EVP_md5(), nullptr))
    throw internal_error("OpenSSL MD5 failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string md5_b64(std::string_view data) { return base64_encode(md5_raw(data)); }

std::string hex(std::string_view raw) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string md5_file_raw(const std::string& path, int64_t offset, int64_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_error("cannot open " + path + " to check its MD5");
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr);
  std::vector<char> buf(1 << 20);
  int64_t pos = offset;
  while (length < 0 || pos < offset + length) {
    size_t want = buf.size();
    if (length >= 0) want = static_cast<size_t>(std::min<int64_t>(want, offset + length - pos));
    ssize_t r = ::pread(fd, buf.data(), want, pos);
    if (r < 0) {
      ::close(fd);
      throw io_error("cannot read " + path + " to check its MD5");
    }
    if (r == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(r));
    pos += r;
  }
  ::close(fd);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace runnel::objstore

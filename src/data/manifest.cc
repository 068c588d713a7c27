// Dataset manifests (data/manifest.h).
#include "data/manifest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "runnel/error.h"

using nlohmann::json;

namespace runnel::internal {

namespace {

struct MdCtx {
  MdCtx() : ctx(EVP_MD_CTX_new()) {
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1)
      throw internal_error("OpenSSL: cannot start a SHA-256 digest");
  }
  ~MdCtx() { EVP_MD_CTX_free(ctx); }
  void update(const void* p, size_t n) { EVP_DigestUpdate(ctx, p, n); }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) out += kHex[md[i] >> 4], out += kHex[md[i] & 15];
    return out;
  }
  EVP_MD_CTX* ctx;
};

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

}  // namespace

std::string sha256_string_hex(const std::string& data) {
  MdCtx h;
  h.update(data.data(), data.size());
  return h.hex();
}

std::string sha256_file_hex(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                "cannot open " + path + ": " + std::strerror(errno));
  MdCtx h;
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  while (true) {
    ssize_t n = ::read(fd, buf.get(), 1 << 20);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      throw io_error("cannot read " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    h.update(buf.get(), static_cast<size_t>(n));
  }
  ::close(fd);
  return h.hex();
}

json build_manifest(const std::vector<DatasetFile>& files) {
  json m = json::array();
  for (const auto& f : files) {
    struct stat st {};
    if (::stat(f.local_path.c_str(), &st) != 0)
      throw not_found("dataset file " + f.local_path + " is missing: " + std::strerror(errno));
    m.push_back({{"datastore", f.datastore},
                 {"path", f.path},
                 {"size", static_cast<int64_t>(st.st_size)},
                 {"digest", sha256_file_hex(f.local_path)},
                 {"mtime_ns", mtime_ns(st)},
                 {"inode", static_cast<uint64_t>(st.st_ino)}});
  }
  std::sort(m.begin(), m.end(), [](const json& a, const json& b) {
    return std::tie(a["datastore"].get_ref<const std::string&>(),
                    a["path"].get_ref<const std::string&>()) <
           std::tie(b["datastore"].get_ref<const std::string&>(),
                    b["path"].get_ref<const std::string&>());
  });
  return m;
}

std::string manifest_digest(const json& manifest) {
  std::string text;
  for (const auto& e : manifest)
    text += e.value("datastore", "") + '\0' + e.value("path", "") + '\0' +
            std::to_string(e.value("size", int64_t{0})) + '\0' + e.value("digest", "") + '\n';
  return sha256_string_hex(text);
}

std::vector<std::string> changed_files(const json& manifest,
                                       const std::map<std::string, std::string>& roots) {
  std::vector<std::string> out;
  for (const auto& e : manifest) {
    std::string ds = e.value("datastore", "");
    std::string path = e.value("path", "");
    auto it = roots.find(ds);
    std::string local = ds.empty() ? path : (it == roots.end() ? "" : it->second + "/" + path);
    std::string label = ds.empty() ? path : ds + ":" + path;
    struct stat st {};
    if (local.empty() || ::stat(local.c_str(), &st) != 0) {
      out.push_back(label + " (missing)");
      continue;
    }
    if (st.st_size == e.value("size", int64_t{-1}) &&
        mtime_ns(st) == e.value("mtime_ns", int64_t{-1}) &&
        static_cast<uint64_t>(st.st_ino) == e.value("inode", uint64_t{0}))
      continue;
    if (st.st_size != e.value("size", int64_t{-1}) ||
        sha256_file_hex(local) != e.value("digest", "")) {
      out.push_back(label);
    }
  }
  return out;
}

}  // namespace runnel::internal

// objstore/crypto.h: the hashing and encoding the object-store protocols need, through
// OpenSSL (HMAC-SHA256 for Azure SharedKey and SAS, MD5 for Content-MD5, base64).
// Thread-safety: all functions are reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace runnel::objstore {

std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string base64_encode(std::string_view raw);
// Throws runnel::Error(kInvalidArgument) naming `what` for text that is not base64.
std::string base64_decode(std::string_view text, const std::string& what);
std::string md5_raw(std::string_view data);  // raw 16 bytes
std::string md5_b64(std::string_view data);
std::string hex(std::string_view raw);
// MD5 of [offset, offset+length) of a file (the whole file when length < 0), raw.
std::string md5_file_raw(const std::string& path, int64_t offset = 0, int64_t length = -1);

}  // namespace runnel::objstore

// objstore/object_store.h: one interface over Azure Blob containers and S3 buckets.
//
// Keys are relative to the datastore (an S3 datastore's prefix is applied inside). The
// primitives below are single HTTP exchanges (each retried by http_perform); whole-file
// transfers in blocks/parts, in parallel, with verification live in transfer.h.
// Thread-safety: every method may be called from many threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::objstore {

struct ObjectInfo {
  std::string key;  // relative to the datastore
  int64_t size = 0;
  std::string etag;         // without quotes
  std::string content_md5;  // base64, "" when the store has none
  std::string version_id;   // "" when the store keeps no versions
  int64_t part_size = 0;    // S3: the part size of a multipart upload (runnel's metadata)
  // A digest of what the listing says about the content: changes whenever the object
  // is rewritten (ETag), so reuse can compare it without downloading.
  std::string listing_digest() const;
};

// Per-part identity returned by put_part, passed back to complete_parts in order.
struct PartTag {
  int index = 0;
  std::string tag;  // Azure: block id; S3: ETag
};

enum class StoreKind { kAzureBlob, kS3 };

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual StoreKind kind() const = 0;
  // "azure_blob http://127.0.0.1:10000/devstoreaccount1/data" (no credentials).
  virtual std::string describe() const = 0;

  // Throws runnel::Error(kNotFound) when the container/bucket does not exist, kInvalidArgument
  // when the credentials are refused.
  virtual void check_container() = 0;
  virtual void create_container() = 0;

  // Every object whose key starts with `prefix` (all pages).
  virtual std::vector<ObjectInfo> list(const std::string& prefix) = 0;
  virtual std::optional<ObjectInfo> head(const std::string& key) = 0;
  virtual void remove(const std::string& key) = 0;

  // One request with the whole body; `md5_b64` is sent as Content-MD5 (the server rejects
  // a body that does not match). `part_size` is recorded as metadata for verification.
  virtual void put_single(const std::string& key, std::string_view body,
                          const std::string& md5_b64) = 0;
  // Block/multipart upload: begin → put_part* → complete (or abort). `whole_md5_b64` is
  // the whole object's MD5 when known at completion ("" otherwise).
  virtual std::string begin_parts(const std::string& key, int64_t part_size) = 0;
  virtual PartTag put_part(const std::string& key, const std::string& upload_id, int index,
                           std::string_view body, const std::string& md5_b64) = 0;
  virtual void complete_parts(const std::string& key, const std::string& upload_id,
                              const std::vector<PartTag>& parts,
                              const std::string& whole_md5_b64) = 0;
  virtual void abort_parts(const std::string& key, const std::string& upload_id) = 0;
  // Writes bytes [offset, offset+length) of the object (all of it when length < 0) to
  // `fd` at the same offset. Returns the response headers' view of the object.
  virtual ObjectInfo get_range(const std::string& key, int fd, int64_t offset, int64_t length,
                               const std::function<void(int64_t)>& on_bytes) = 0;
};

}  // namespace runnel::objstore

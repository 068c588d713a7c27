// objstore/transfer.h: whole-file uploads and downloads between local files and an
// ObjectStore, in parallel, in blocks/parts for large files, verified.
//
// Uploads: files up to `single_max` bytes go in one request, larger ones in `part_size`
// parts (Azure Put Block / Put Block List, S3 multipart); every request carries Content-MD5,
// which the server checks. Azure block blobs also get the whole file's MD5
// (x-ms-blob-content-md5). A failed file aborts its multipart upload.
// Downloads: written to a temporary name beside the destination, verified against the
// object's Content-MD5, or its ETag (S3 single-part: the MD5; multipart: the MD5 of the
// parts' MD5s, with runnel's part-size metadata), then renamed into place; a file that does
// not verify is removed and reported as Error(kCorruption).
// All requests of all files share one pool of `parallel` threads.
// Thread-safety: the functions may be called concurrently on distinct destinations.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "objstore/object_store.h"

namespace runnel::objstore {

struct TransferOptions {
  size_t parallel = 16;
  int64_t single_max = 16LL << 20;
  int64_t part_size = 8LL << 20;
  bool progress = false;  // a progress bar on stderr (callers pass isatty(2))
};

struct UploadItem {
  std::string local;
  std::string key;
};

struct DownloadItem {
  ObjectInfo object;  // from list(): key and size at least
  std::string local;
};

// Throws runnel::Error from the first failed file (the others finish or stop).
void upload_files(ObjectStore& store, const std::vector<UploadItem>& items,
                  const TransferOptions& opt);
void download_files(ObjectStore& store, const std::vector<DownloadItem>& items,
                    const TransferOptions& opt);

}  // namespace runnel::objstore

// data/manifest.h: the manifest that fixes a dataset version's content, and checking it.
//
// Manifest JSON: [{"datastore", "path", "size", "digest" (hex SHA-256), "mtime_ns", "inode"}],
// sorted by (datastore, path). Its digest covers only datastore, path, size and digest, so
// the same content gives the same digest wherever and whenever it was recorded.
// A check re-reads a file only when its size, mtime or inode differ from the record (the
// stat-cache rule of docs/design.md §6); a file whose size and stamps match is taken as unchanged.
// Thread-safe (no shared state); reads files.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runnel/dataset.h"

namespace runnel::internal {

// Hex SHA-256 of a file's bytes / of a string (OpenSSL EVP). Throws Error(kIo) naming the path.
std::string sha256_file_hex(const std::string& path);
std::string sha256_string_hex(const std::string& data);

// Reads and digests every file. Throws Error(kNotFound/kIo) naming a missing/unreadable file.
nlohmann::json build_manifest(const std::vector<DatasetFile>& files);
std::string manifest_digest(const nlohmann::json& manifest);

// The manifest's files (datastore:path) whose content differs now (changed or missing),
// given `roots` datastore name -> folder.
std::vector<std::string> changed_files(const nlohmann::json& manifest,
                                       const std::map<std::string, std::string>& roots);

}  // namespace runnel::internal

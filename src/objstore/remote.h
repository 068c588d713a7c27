// objstore/remote.h: a workspace's object-store datastores: their configuration entry
// (in .runnel/config.json, no secrets), their credentials (.runnel/credentials/NAME.json,
// mode 0600 in a 0700 folder), and the ObjectStore to reach them.
// Thread-safety: functions may be called concurrently; writes of the credentials file are
// atomic (temp name + rename).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "objstore/object_store.h"
#include "runnel/workspace.h"

namespace runnel::objstore {

// "azure_blob" and "s3" are remote; "local" is not.
bool is_remote_type(const std::string& type);

std::string credentials_path(const Workspace& ws, const std::string& datastore_name);
// Writes (or with an empty object, removes) the datastore's credentials file.
void write_credentials(const Workspace& ws, const std::string& datastore_name,
                       const nlohmann::json& creds);
nlohmann::json read_credentials(const Workspace& ws, const std::string& datastore_name);

// Builds the store from a config entry and credentials. S3 without stored keys uses
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the shared credentials
// file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile AWS_PROFILE or default).
// Throws runnel::Error(kInvalidArgument) naming what is missing.
std::unique_ptr<ObjectStore> make_store(const std::string& datastore_name,
                                        const nlohmann::json& entry, const nlohmann::json& creds);

// The store of a registered remote datastore. Throws kNotFound / kInvalidArgument.
std::unique_ptr<ObjectStore> open_store(const Workspace& ws, const std::string& datastore_name);

// `text` with every secret of the workspace's datastores replaced by "***" (for logs,
// errors and API answers that might quote a URL or a header).
std::string redact(const Workspace& ws, std::string text);

}  // namespace runnel::objstore

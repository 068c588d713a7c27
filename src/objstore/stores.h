// objstore/stores.h: the connection settings of each store kind and their factories.
// Credentials live only in these structs and in the 0600 credentials file (credentials.h);
// describe() and every error message leave them out.
#pragma once

#include <memory>
#include <string>

#include "objstore/object_store.h"

namespace runnel::objstore {

struct AzureConfig {
  std::string account_name;
  std::string container_name;
  std::string protocol = "https";
  // A domain suffix ("core.windows.net": https://ACCOUNT.blob.core.windows.net), a host:port
  // of an emulator ("127.0.0.1:10000": path-style http://127.0.0.1:10000/ACCOUNT), or a full
  // account URL ("http://127.0.0.1:10000/devstoreaccount1").
  std::string endpoint = "core.windows.net";
  std::string account_key;  // base64, for SharedKey
  std::string sas_token;    // without a leading '?'
  std::string account_url() const;
};

struct S3Config {
  std::string bucket;
  std::string prefix;        // keys of the datastore live under it ("" = the whole bucket)
  std::string endpoint_url;  // "" = https://s3.REGION.amazonaws.com; path-style requests
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string bucket_url() const;
};

std::unique_ptr<ObjectStore> make_azure_store(const AzureConfig& cfg);
std::unique_ptr<ObjectStore> make_s3_store(const S3Config& cfg);

// Converts a failed response into runnel::Error: 403 → kInvalidArgument (credentials),
// 404 → kNotFound, else kIo; names `what` and the service's error code, never a secret.
[[noreturn]] void throw_http_error(const std::string& what, long status, const std::string& body);

}  // namespace runnel::objstore

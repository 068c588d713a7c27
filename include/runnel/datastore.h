// runnel/datastore.h: a named place where data lives (docs/design.md §1).
//
// `workspaceblobstore` (the default) and `workspacefilestore` are local folders under
// .runnel/datastores/. Azure Blob containers and S3 buckets are registered with
// register_azure_blob_container / register_s3_bucket / create_from_yaml; their settings go
// to .runnel/config.json and their credentials to .runnel/credentials/NAME.json (mode
// 0600), never printed. Cheap value handle.
//
// @code
//   auto ds = runnel::Datastore::register_azure_blob_container(
//       ws, "rawdata", "data", "devstoreaccount1", /*sas_token=*/"", /*account_key=*/key,
//       "http", "127.0.0.1:10000", /*overwrite=*/false, /*create_if_not_exists=*/true);
// @endcode
#pragma once

#include <memory>
#include <string>

namespace runnel {

class Workspace;

class Datastore {
 public:
  // The datastore called `name` in `ws`, as the SDK's Datastore(ws, name).
  // Throws Error(kNotFound) listing the datastores that exist.
  Datastore(const Workspace& ws, const std::string& name);

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }  // "local", "azure_blob" or "s3"
  bool is_remote() const { return type_ != "local"; }
  // The absolute local folder of a local datastore; for a remote one, its local cache.
  const std::string& root() const { return root_; }
  // Absolute local path of `relative` inside this datastore. Throws
  // Error(kInvalidArgument) if it escapes the datastore (`..`, absolute paths).
  std::string path(const std::string& relative) const;

  // As the SDK's Datastore.register_azure_blob_container. One of sas_token / account_key;
  // protocol "" = https; endpoint "" = core.windows.net (or an emulator's host:port, or a
  // full account URL). Unless skip_validation, checks the container (creating it when
  // create_if_not_exists). Throws Error(kAlreadyExists) for a taken name without overwrite,
  // kInvalidArgument for refused credentials, kNotFound for a missing container.
  static Datastore register_azure_blob_container(
      const Workspace& workspace, const std::string& datastore_name,
      const std::string& container_name, const std::string& account_name,
      const std::string& sas_token = "", const std::string& account_key = "",
      const std::string& protocol = "", const std::string& endpoint = "", bool overwrite = false,
      bool create_if_not_exists = false, bool skip_validation = false);

  struct S3Options {
    std::string bucket;
    std::string prefix;
    std::string endpoint_url;   // "" = AWS
    std::string region;         // "" = us-east-1
    std::string access_key_id;  // "" = AWS_* environment variables or ~/.aws/credentials
    std::string secret_access_key;
    std::string session_token;
    bool overwrite = false;
    bool create_if_not_exists = false;
    bool skip_validation = false;
  };
  static Datastore register_s3_bucket(const Workspace& workspace, const std::string& datastore_name,
                                      const S3Options& options);

  // An Azure ML v2 datastore YAML (type: azure_blob with account_name, container_name,
  // protocol, endpoint, credentials: {account_key | sas_token}; or type: s3 with bucket,
  // prefix, endpoint_url, region, credentials: {access_key_id, secret_access_key}).
  // Errors name the file and key.
  static Datastore create_from_yaml(const Workspace& workspace, const std::string& yaml_path,
                                    bool overwrite = false, bool create_if_not_exists = false);

  // Removes a registered datastore and its credentials (the data stays where it is).
  // Throws Error(kInvalidArgument) for the workspace's default or built-in datastores.
  static void unregister(const Workspace& workspace, const std::string& datastore_name);

  // The datastore's settings as JSON text with credentials left out (for show/list/API).
  std::string describe_json() const;

 private:
  friend class Workspace;
  Datastore() = default;
  std::string name_;
  std::string type_;
  std::string root_;
  std::string settings_json_;  // the config entry (no secrets)
};

}  // namespace runnel

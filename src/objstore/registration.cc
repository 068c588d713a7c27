// Registering object-store datastores (include/runnel/datastore.h): the SDK's
// register_azure_blob_container, an S3 counterpart, v2 datastore YAML, unregister.
#include <yaml-cpp/yaml.h>

#include <regex>

#include "core/fs.h"
#include "engine/workspace_impl.h"
#include "objstore/remote.h"
#include "runnel/datastore.h"
#include "runnel/error.h"

using nlohmann::json;

namespace runnel {

namespace {

void check_datastore_name(const std::string& name) {
  static const std::regex kName("[A-Za-z0-9_]{1,255}");
  if (!std::regex_match(name, kName))
    throw invalid_argument("datastore name '" + name +
                           "' is not valid: use letters, digits and '_' only");
}

// Validates (unless skipped), then writes the config entry and the credentials.
Datastore save(const Workspace& ws, nlohmann::json& config, const std::string& runnel_dir,
               const std::string& name, const json& entry, const json& creds, bool overwrite,
               bool create, bool skip_validation) {
  check_datastore_name(name);
  if (name == "workspaceblobstore" || name == "workspacefilestore")
    throw invalid_argument("datastore name '" + name +
                           "' is the workspace's built-in datastore; choose another name");
  if (config["datastores"].contains(name) && !overwrite)
    throw already_exists("datastore '" + name +
                         "' is already registered; pass overwrite=true (--overwrite) to "
                         "replace it, or choose another name");
  auto store = objstore::make_store(name, entry, creds);
  if (create) {
    store->create_container();
  } else if (!skip_validation) {
    store->check_container();
  }
  objstore::write_credentials(ws, name, creds);
  config["datastores"][name] = entry;
  write_file_atomic(runnel_dir + "/config.json", config.dump(2) + "\n");
  return Datastore(ws, name);
}

std::string yaml_str(const YAML::Node& n, const char* key, const std::string& file, bool required) {
  if (!n[key]) {
    if (required) throw invalid_argument(file + ": missing required key '" + key + "'");
    return "";
  }
  if (!n[key].IsScalar())
    throw invalid_argument(file + ":" + std::to_string(n[key].Mark().line + 1) + ": '" + key +
                           "' must be a string");
  return n[key].as<std::string>();
}

}  // namespace

Datastore Datastore::register_azure_blob_container(
    const Workspace& ws, const std::string& datastore_name, const std::string& container_name,
    const std::string& account_name, const std::string& sas_token, const std::string& account_key,
    const std::string& protocol, const std::string& endpoint, bool overwrite,
    bool create_if_not_exists, bool skip_validation) {
  if (sas_token.empty() == account_key.empty())
    throw invalid_argument("register_azure_blob_container('" + datastore_name +
                           "'): give exactly one of sas_token and account_key");
  json entry = {{"type", "azure_blob"},
                {"account_name", account_name},
                {"container_name", container_name},
                {"protocol", protocol.empty() ? "https" : protocol},
                {"endpoint", endpoint.empty() ? "core.windows.net" : endpoint}};
  json creds =
      sas_token.empty() ? json{{"account_key", account_key}} : json{{"sas_token", sas_token}};
  return save(ws, ws.impl_->config, ws.impl_->runnel_dir, datastore_name, entry, creds, overwrite,
              create_if_not_exists, skip_validation);
}

Datastore Datastore::register_s3_bucket(const Workspace& ws, const std::string& datastore_name,
                                        const S3Options& o) {
  json entry = {{"type", "s3"},
                {"bucket", o.bucket},
                {"prefix", o.prefix},
                {"endpoint_url", o.endpoint_url},
                {"region", o.region.empty() ? "us-east-1" : o.region}};
  json creds = json::object();
  if (!o.access_key_id.empty() || !o.secret_access_key.empty()) {
    if (o.access_key_id.empty() || o.secret_access_key.empty())
      throw invalid_argument("register_s3_bucket('" + datastore_name +
                             "'): give both access_key_id and secret_access_key");
    creds = {{"access_key_id", o.access_key_id}, {"secret_access_key", o.secret_access_key}};
    if (!o.session_token.empty()) creds["session_token"] = o.session_token;
  }
  return save(ws, ws.impl_->config, ws.impl_->runnel_dir, datastore_name, entry, creds, o.overwrite,
              o.create_if_not_exists, o.skip_validation);
}

Datastore Datastore::create_from_yaml(const Workspace& ws, const std::string& path, bool overwrite,
                                      bool create_if_not_exists) {
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw not_found("datastore YAML " + path + " cannot be read");
  } catch (const YAML::Exception& e) {
    throw invalid_argument(path + ":" + std::to_string(e.mark.line + 1) +
                           ": not valid YAML: " + e.msg);
  }
  if (!doc.IsMap())
    throw invalid_argument(path + ": a datastore YAML is a mapping (name, type, ...)");
  std::string name = yaml_str(doc, "name", path, true);
  std::string type = yaml_str(doc, "type", path, true);
  YAML::Node creds = doc["credentials"];
  if (creds && !creds.IsMap())
    throw invalid_argument(path + ":" + std::to_string(creds.Mark().line + 1) +
                           ": 'credentials' must be a mapping");
  YAML::Node c = creds ? creds : YAML::Node(YAML::NodeType::Map);
  if (type == "azure_blob") {
    return register_azure_blob_container(
        ws, name, yaml_str(doc, "container_name", path, true),
        yaml_str(doc, "account_name", path, true), yaml_str(c, "sas_token", path, false),
        yaml_str(c, "account_key", path, false), yaml_str(doc, "protocol", path, false),
        yaml_str(doc, "endpoint", path, false), overwrite, create_if_not_exists);
  }
  if (type == "s3") {
    S3Options o;
    o.bucket = yaml_str(doc, "bucket", path, true);
    o.prefix = yaml_str(doc, "prefix", path, false);
    o.endpoint_url = yaml_str(doc, "endpoint_url", path, false);
    o.region = yaml_str(doc, "region", path, false);
    o.access_key_id = yaml_str(c, "access_key_id", path, false);
    o.secret_access_key = yaml_str(c, "secret_access_key", path, false);
    o.session_token = yaml_str(c, "session_token", path, false);
    o.overwrite = overwrite;
    o.create_if_not_exists = create_if_not_exists;
    return register_s3_bucket(ws, name, o);
  }
  throw invalid_argument(path + ":" + std::to_string(doc["type"].Mark().line + 1) +
                         ": datastore type '" + type + "' is not supported (azure_blob, s3)");
}

void Datastore::unregister(const Workspace& ws, const std::string& name) {
  json& config = ws.impl_->config;
  if (!config["datastores"].contains(name))
    Datastore(ws, name);  // throws kNotFound listing the known ones
  if (name == "workspaceblobstore" || name == "workspacefilestore" ||
      name == config.value("default_datastore", "workspaceblobstore"))
    throw invalid_argument("datastore '" + name +
                           "' is the workspace's default or built-in datastore and cannot be "
                           "unregistered");
  config["datastores"].erase(name);
  write_file_atomic(ws.impl_->runnel_dir + "/config.json", config.dump(2) + "\n");
  objstore::write_credentials(ws, name, json::object());
  remove_all(ws.impl_->runnel_dir + "/cache/datastores/" + name);
}

std::string Datastore::describe_json() const {
  json j = json::parse(settings_json_);
  j["name"] = name_;
  if (!is_remote()) j["root"] = root_;
  return j.dump();
}

}  // namespace runnel

// Object-store datastores of a workspace (objstore/remote.h).
#include "objstore/remote.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "core/fs.h"
#include "objstore/stores.h"
#include "runnel/error.h"

using nlohmann::json;

namespace runnel::objstore {

namespace {

std::string str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// The [profile] of an AWS shared credentials file (INI: "[name]" then "key = value").
json aws_file_credentials() {
  std::string path;
  if (const char* f = std::getenv("AWS_SHARED_CREDENTIALS_FILE"); f && *f) {
    path = f;
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    path = std::string(h) + "/.aws/credentials";
  }
  const char* p = std::getenv("AWS_PROFILE");
  std::string profile = p && *p ? p : "default";
  std::ifstream in(path);
  json out = json::object();
  std::string line, section;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    auto eq = line.find('=');
    if (section != profile || eq == std::string::npos) continue;
    std::string k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
    if (k == "aws_access_key_id") out["access_key_id"] = v;
    if (k == "aws_secret_access_key") out["secret_access_key"] = v;
    if (k == "aws_session_token") out["session_token"] = v;
  }
  return out;
}

}  // namespace

bool is_remote_type(const std::string& type) { return type == "azure_blob" || type == "s3"; }

std::string credentials_path(const Workspace& ws, const std::string& name) {
  return ws.runnel_dir() + "/credentials/" + name + ".json";
}

void write_credentials(const Workspace& ws, const std::string& name, const json& creds) {
  std::string path = credentials_path(ws, name);
  if (creds.empty()) {
    ::unlink(path.c_str());
    return;
  }
  std::string dir = ws.runnel_dir() + "/credentials";
  make_dirs(dir);
  ::chmod(dir.c_str(), 0700);
  write_file_atomic(path, creds.dump(2) + "\n");
  if (::chmod(path.c_str(), 0600) != 0)
    throw io_error("cannot make " + path + " private (chmod 600)");
}

json read_credentials(const Workspace& ws, const std::string& name) {
  std::string path = credentials_path(ws, name);
  if (!path_exists(path)) return json::object();
  try {
    return json::parse(read_file(path));
  } catch (const json::exception&) {
    throw corruption(path + " is not valid JSON; register datastore '" + name +
                     "' again with its credentials");
  }
}

std::unique_ptr<ObjectStore> make_store(const std::string& name, const json& entry,
                                        const json& creds) {
  std::string type = str(entry, "type");
  if (type == "azure_blob") {
    AzureConfig c;
    c.account_name = str(entry, "account_name");
    c.container_name = str(entry, "container_name");
    if (!str(entry, "protocol").empty()) c.protocol = str(entry, "protocol");
    if (!str(entry, "endpoint").empty()) c.endpoint = str(entry, "endpoint");
    c.account_key = str(creds, "account_key");
    c.sas_token = str(creds, "sas_token");
    if (c.account_name.empty() || c.container_name.empty())
      throw invalid_argument("datastore '" + name +
                             "' (azure_blob) needs account_name and container_name");
    if (c.account_key.empty() && c.sas_token.empty())
      throw invalid_argument("datastore '" + name +
                             "' (azure_blob) has no credentials: give an account_key or a "
                             "sas_token (runnel datastore register ... --account-key/--sas-token)");
    return make_azure_store(c);
  }
  if (type == "s3") {
    S3Config c;
    c.bucket = str(entry, "bucket");
    c.prefix = str(entry, "prefix");
    c.endpoint_url = str(entry, "endpoint_url");
    if (!str(entry, "region").empty()) c.region = str(entry, "region");
    json k = creds;
    if (str(k, "access_key_id").empty()) {
      const char* a = std::getenv("AWS_ACCESS_KEY_ID");
      const char* s = std::getenv("AWS_SECRET_ACCESS_KEY");
      const char* t = std::getenv("AWS_SESSION_TOKEN");
      if (a && *a && s && *s) {
        k = {{"access_key_id", a}, {"secret_access_key", s}, {"session_token", t ? t : ""}};
      } else {
        k = aws_file_credentials();
      }
    }
    c.access_key_id = str(k, "access_key_id");
    c.secret_access_key = str(k, "secret_access_key");
    c.session_token = str(k, "session_token");
    if (c.bucket.empty()) throw invalid_argument("datastore '" + name + "' (s3) needs a bucket");
    if (c.access_key_id.empty() || c.secret_access_key.empty())
      throw invalid_argument("datastore '" + name +
                             "' (s3) has no credentials: register it with an access key and "
                             "secret, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or write "
                             "~/.aws/credentials");
    return make_s3_store(c);
  }
  throw invalid_argument("datastore '" + name + "' has type '" + type +
                         "', which is not an object store");
}

std::unique_ptr<ObjectStore> open_store(const Workspace& ws, const std::string& name) {
  std::string entry = ws.config_value("datastores." + name);
  if (entry.empty())
    throw not_found("datastore '" + name + "' is not registered in workspace " + ws.root());
  return make_store(name, json::parse(entry), read_credentials(ws, name));
}

std::string redact(const Workspace& ws, std::string text) {
  for (const auto& [name, ds] : ws.datastores()) {
    if (!is_remote_type(ds.type())) continue;
    json creds = read_credentials(ws, name);
    for (auto& [k, v] : creds.items()) {
      if (!v.is_string() || k == "access_key_id") continue;
      std::string secret = v.get<std::string>();
      if (secret.size() < 4) continue;
      for (size_t p; (p = text.find(secret)) != std::string::npos;)
        text.replace(p, secret.size(), "***");
    }
  }
  // A SAS signature in a URL, whoever's it is.
  for (size_t p = 0; (p = text.find("sig=", p)) != std::string::npos;) {
    size_t e = text.find_first_of("& \n\"'", p + 4);
    text.replace(p + 4, (e == std::string::npos ? text.size() : e) - p - 4, "***");
    p += 7;
  }
  return text;
}

}  // namespace runnel::objstore

// Azure Blob storage (and Azurite) with SharedKey or SAS, block blobs (objstore/stores.h).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>

#include "objstore/crypto.h"
#include "objstore/http.h"
#include "objstore/stores.h"
#include "objstore/xml.h"
#include "runnel/error.h"

namespace runnel::objstore {

namespace {

constexpr const char* kApiVersion = "2021-08-06";

std::string rfc1123_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string strip_quotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

class AzureBlobStore final : public ObjectStore {
 public:
  explicit AzureBlobStore(AzureConfig cfg) : cfg_(std::move(cfg)), base_(cfg_.account_url()) {
    if (!cfg_.account_key.empty())
      key_ = base64_decode(cfg_.account_key, "the account key of " + cfg_.account_name);
    while (!cfg_.sas_token.empty() && cfg_.sas_token.front() == '?') cfg_.sas_token.erase(0, 1);
    auto scheme = base_.find("://");
    auto slash = base_.find('/', scheme + 3);
    base_path_ = slash == std::string::npos ? "" : base_.substr(slash);
  }

  StoreKind kind() const override { return StoreKind::kAzureBlob; }
  std::string describe() const override {
    return "azure_blob " + base_ + "/" + cfg_.container_name;
  }

  void check_container() override {
    HttpResponse r = request("GET", "", {{"restype", "container"}}, {}, {});
    if (r.status == 404)
      throw not_found("container '" + cfg_.container_name + "' does not exist at " + base_ +
                      "; create it (create_if_not_exists=true, or --create)");
    if (r.status >= 300) throw_http_error("container " + describe(), r.status, r.body);
  }

  void create_container() override {
    HttpResponse r = request("PUT", "", {{"restype", "container"}}, {}, "", true);
    if (r.status != 201 && r.status != 409)
      throw_http_error("creating container " + describe(), r.status, r.body);
  }

  std::vector<ObjectInfo> list(const std::string& prefix) override {
    std::vector<ObjectInfo> out;
    std::string marker;
    do {
      std::map<std::string, std::string> q{
          {"restype", "container"}, {"comp", "list"}, {"maxresults", "5000"}};
      if (!prefix.empty()) q["prefix"] = prefix;
      if (!marker.empty()) q["marker"] = marker;
      HttpResponse r = request("GET", "", q, {}, {});
      if (r.status != 200)
        throw_http_error("listing " + describe() + " under '" + prefix + "'", r.status, r.body);
      for (auto& b : xml_records(r.body, "Blob", "listing " + describe())) {
        ObjectInfo o;
        o.key = b["Name"];
        o.size = b["Content-Length"].empty() ? 0 : std::stoll(b["Content-Length"]);
        o.etag = strip_quotes(b["Etag"]);
        o.content_md5 = b["Content-MD5"];
        o.version_id = b["VersionId"];
        out.push_back(std::move(o));
      }
      marker = xml_text(r.body, "NextMarker", "listing " + describe());
    } while (!marker.empty());
    return out;
  }

  std::optional<ObjectInfo> head(const std::string& key) override {
    HttpResponse r = request("HEAD", key, {}, {}, {});
    if (r.status == 404) return std::nullopt;
    if (r.status != 200) throw_http_error("reading the properties of " + key, r.status, "");
    return info_from(key, r, false);
  }

  void remove(const std::string& key) override {
    HttpResponse r = request("DELETE", key, {}, {}, {});
    if (r.status != 202 && r.status != 200 && r.status != 404)
      throw_http_error("deleting " + key, r.status, r.body);
  }

  void put_single(const std::string& key, std::string_view body, const std::string& md5) override {
    HttpResponse r =
        request("PUT", key, {}, {{"x-ms-blob-type", "BlockBlob"}, {"Content-MD5", md5}}, body, true,
                "application/octet-stream");
    if (r.status != 201) throw_http_error("uploading " + key, r.status, r.body);
  }

  std::string begin_parts(const std::string&, int64_t) override { return "blocks"; }

  PartTag put_part(const std::string& key, const std::string&, int index, std::string_view body,
                   const std::string& md5) override {
    char id[16];
    std::snprintf(id, sizeof id, "%08d", index);
    std::string block_id = base64_encode(id);
    HttpResponse r = request("PUT", key, {{"comp", "block"}, {"blockid", block_id}},
                             {{"Content-MD5", md5}}, body, true, "application/octet-stream");
    if (r.status != 201)
      throw_http_error("uploading block " + std::to_string(index) + " of " + key, r.status, r.body);
    return {index, block_id};
  }

  void complete_parts(const std::string& key, const std::string&, const std::vector<PartTag>& parts,
                      const std::string& whole_md5) override {
    std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
    for (const auto& p : parts) xml += "<Latest>" + p.tag + "</Latest>";
    xml += "</BlockList>";
    std::map<std::string, std::string> h{{"Content-MD5", md5_b64(xml)}};
    if (!whole_md5.empty()) h["x-ms-blob-content-md5"] = whole_md5;
    HttpResponse r = request("PUT", key, {{"comp", "blocklist"}}, h, xml, true, "application/xml");
    if (r.status != 201) throw_http_error("committing the blocks of " + key, r.status, r.body);
  }

  void abort_parts(const std::string&, const std::string&) override {}  // uncommitted blocks expire

  ObjectInfo get_range(const std::string& key, int fd, int64_t offset, int64_t length,
                       const std::function<void(int64_t)>& on_bytes) override {
    std::map<std::string, std::string> h;
    if (length >= 0)
      h["x-ms-range"] =
          "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
    HttpResponse r = request("GET", key, {}, h, {}, false, "", fd, offset, on_bytes);
    if (r.status == 404) throw not_found(describe() + " has no blob '" + key + "'");
    if (r.status != 200 && r.status != 206)
      throw_http_error("downloading " + key, r.status, r.body);
    return info_from(key, r, length >= 0);
  }

 private:
  ObjectInfo info_from(const std::string& key, const HttpResponse& r, bool ranged) const {
    ObjectInfo o;
    o.key = key;
    std::string range = r.header("content-range");  // bytes a-b/total
    if (auto slash = range.find('/'); slash != std::string::npos) {
      o.size = std::stoll(range.substr(slash + 1));
    } else if (!r.header("content-length").empty()) {
      o.size = std::stoll(r.header("content-length"));
    }
    o.etag = strip_quotes(r.header("etag"));
    o.content_md5 = ranged ? r.header("x-ms-blob-content-md5") : r.header("content-md5");
    if (o.content_md5.empty()) o.content_md5 = r.header("x-ms-blob-content-md5");
    o.version_id = r.header("x-ms-version-id");
    return o;
  }

  // One request on the container (key "") or a blob. `query` values are raw.
  HttpResponse request(const std::string& method, const std::string& key,
                       const std::map<std::string, std::string>& query,
                       std::map<std::string, std::string> headers, std::string_view body,
                       bool has_body = false, const std::string& content_type = "", int out_fd = -1,
                       int64_t out_offset = 0, const std::function<void(int64_t)>& on_bytes = {}) {
    std::string path =
        base_path_ + "/" + cfg_.container_name + (key.empty() ? "" : "/" + url_encode(key, true));
    std::string qs;
    for (const auto& [k, v] : query) qs += (qs.empty() ? "" : "&") + k + "=" + url_encode(v, false);
    std::string url = base_.substr(0, base_.size() - base_path_.size()) + path;
    if (!cfg_.sas_token.empty()) qs += (qs.empty() ? "" : "&") + cfg_.sas_token;
    if (!qs.empty()) url += "?" + qs;
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.body = body;
    req.has_body = has_body;
    req.out_fd = out_fd;
    req.out_offset = out_offset;
    req.on_bytes = on_bytes;
    if (!content_type.empty()) headers["Content-Type"] = content_type;
    headers["x-ms-version"] = kApiVersion;
    bool shared_key = !key_.empty() && cfg_.sas_token.empty();
    req.sign = [this, headers, query, path, method, shared_key, len = body.size()](HttpRequest& r) {
      auto h = headers;
      h["x-ms-date"] = rfc1123_now();
      for (const auto& [k, v] : h) r.headers.push_back(k + ": " + v);
      if (!shared_key) return;
      auto get = [&](const char* name) {
        for (const auto& [k, v] : h)
          if (lower(k) == name) return v;
        return std::string();
      };
      std::string sts = method + "\n" + get("content-encoding") + "\n" + get("content-language") +
                        "\n" + (len ? std::to_string(len) : "") + "\n" + get("content-md5") + "\n" +
                        get("content-type") + "\n\n" + get("if-modified-since") + "\n" +
                        get("if-match") + "\n" + get("if-none-match") + "\n" +
                        get("if-unmodified-since") + "\n" + get("range") + "\n";
      std::map<std::string, std::string> xms;
      for (const auto& [k, v] : h)
        if (lower(k).rfind("x-ms-", 0) == 0) xms[lower(k)] = v;
      for (const auto& [k, v] : xms) sts += k + ":" + v + "\n";
      sts += "/" + cfg_.account_name + path;
      std::map<std::string, std::string> lq;
      for (const auto& [k, v] : query) lq[lower(k)] = v;
      for (const auto& [k, v] : lq) sts += "\n" + k + ":" + v;
      r.headers.push_back("Authorization: SharedKey " + cfg_.account_name + ":" +
                          base64_encode(hmac_sha256(key_, sts)));
    };
    return http_perform(std::move(req));
  }

  AzureConfig cfg_;
  std::string base_;       // account URL
  std::string base_path_;  // its path ("/devstoreaccount1" for an emulator, else "")
  std::string key_;        // decoded account key
};

}  // namespace

std::string AzureConfig::account_url() const {
  std::string ep = endpoint.empty() ? "core.windows.net" : endpoint;
  while (!ep.empty() && ep.back() == '/') ep.pop_back();
  std::string proto = protocol.empty() ? "https" : protocol;
  if (ep.find("://") != std::string::npos) {
    auto slash = ep.find('/', ep.find("://") + 3);
    return slash == std::string::npos ? ep + "/" + account_name : ep;
  }
  bool emulator = ep.find(':') != std::string::npos || ep.rfind("localhost", 0) == 0 ||
                  std::all_of(ep.begin(), ep.end(), [](char c) {
                    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
                  });
  if (emulator) return proto + "://" + ep + "/" + account_name;
  return proto + "://" + account_name + ".blob." + ep;
}

std::unique_ptr<ObjectStore> make_azure_store(const AzureConfig& cfg) {
  return std::make_unique<AzureBlobStore>(cfg);
}

}  // namespace runnel::objstore

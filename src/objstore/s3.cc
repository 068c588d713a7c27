// S3 and S3-compatible servers, signed with curl's built-in SigV4 (objstore/stores.h).
#include <map>

#include "objstore/crypto.h"
#include "objstore/http.h"
#include "objstore/stores.h"
#include "objstore/xml.h"
#include "runnel/error.h"

namespace runnel::objstore {

namespace {

std::string strip_quotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

class S3Store final : public ObjectStore {
 public:
  explicit S3Store(S3Config cfg) : cfg_(std::move(cfg)), base_(cfg_.bucket_url()) {
    if (cfg_.region.empty()) cfg_.region = "us-east-1";
    while (!cfg_.prefix.empty() && cfg_.prefix.front() == '/') cfg_.prefix.erase(0, 1);
    if (!cfg_.prefix.empty() && cfg_.prefix.back() != '/') cfg_.prefix += '/';
  }

  StoreKind kind() const override { return StoreKind::kS3; }
  std::string describe() const override {
    return "s3 " + base_ + (cfg_.prefix.empty() ? "" : "/" + cfg_.prefix);
  }

  void check_container() override {
    HttpResponse r = request("HEAD", "", false, {}, {}, {});
    if (r.status == 404)
      throw not_found("bucket '" + cfg_.bucket + "' does not exist at " + base_ +
                      "; create it (create_if_not_exists, or --create)");
    if (r.status >= 300) throw_http_error("bucket " + describe(), r.status, r.body);
  }

  void create_container() override {
    std::string body;
    if (cfg_.region != "us-east-1")
      body = "<CreateBucketConfiguration><LocationConstraint>" + xml_escape(cfg_.region) +
             "</LocationConstraint></CreateBucketConfiguration>";
    HttpResponse r = request("PUT", "", false, {}, {}, body);
    if (r.status != 200 && r.status != 409)
      throw_http_error("creating bucket " + describe(), r.status, r.body);
  }

  std::vector<ObjectInfo> list(const std::string& prefix) override {
    std::vector<ObjectInfo> out;
    std::string token;
    while (true) {
      // (an empty "prefix=" would be signed differently by curl 7.88 and the server)
      std::map<std::string, std::string> q{{"list-type", "2"}};
      if (!(cfg_.prefix + prefix).empty()) q["prefix"] = cfg_.prefix + prefix;
      if (!token.empty()) q["continuation-token"] = token;
      HttpResponse r = request("GET", "", false, q, {}, {});
      if (r.status != 200)
        throw_http_error("listing " + describe() + " under '" + prefix + "'", r.status, r.body);
      for (auto& c : xml_records(r.body, "Contents", "listing " + describe())) {
        ObjectInfo o;
        o.key = c["Key"].substr(std::min(cfg_.prefix.size(), c["Key"].size()));
        o.size = c["Size"].empty() ? 0 : std::stoll(c["Size"]);
        o.etag = strip_quotes(c["ETag"]);
        o.version_id = c["VersionId"];
        out.push_back(std::move(o));
      }
      if (xml_text(r.body, "IsTruncated", "listing " + describe()) != "true") break;
      token = xml_text(r.body, "NextContinuationToken", "listing " + describe());
      if (token.empty()) break;
    }
    return out;
  }

  std::optional<ObjectInfo> head(const std::string& key) override {
    HttpResponse r = request("HEAD", key, true, {}, {}, {});
    if (r.status == 404) return std::nullopt;
    if (r.status != 200) throw_http_error("reading the properties of " + key, r.status, "");
    return info_from(key, r);
  }

  void remove(const std::string& key) override {
    HttpResponse r = request("DELETE", key, true, {}, {}, {});
    if (r.status != 204 && r.status != 200 && r.status != 404)
      throw_http_error("deleting " + key, r.status, r.body);
  }

  void put_single(const std::string& key, std::string_view body, const std::string& md5) override {
    HttpResponse r =
        request("PUT", key, true, {},
                {{"Content-MD5", md5}, {"Content-Type", "application/octet-stream"}}, body, true);
    if (r.status != 200) throw_http_error("uploading " + key, r.status, r.body);
  }

  std::string begin_parts(const std::string& key, int64_t part_size) override {
    HttpResponse r = request("POST", key, true, {{"uploads", ""}},
                             {{"x-amz-meta-runnel-part-size", std::to_string(part_size)},
                              {"Content-Type", "application/octet-stream"}},
                             {}, true);
    if (r.status != 200)
      throw_http_error("starting the multipart upload of " + key, r.status, r.body);
    std::string id = xml_text(r.body, "UploadId", "starting the multipart upload of " + key);
    if (id.empty())
      throw corruption("starting the multipart upload of " + key + ": the answer has no UploadId");
    return id;
  }

  PartTag put_part(const std::string& key, const std::string& upload_id, int index,
                   std::string_view body, const std::string& md5) override {
    HttpResponse r = request("PUT", key, true,
                             {{"partNumber", std::to_string(index + 1)}, {"uploadId", upload_id}},
                             {{"Content-MD5", md5}}, body, true);
    if (r.status != 200)
      throw_http_error("uploading part " + std::to_string(index + 1) + " of " + key, r.status,
                       r.body);
    return {index, r.header("etag")};
  }

  void complete_parts(const std::string& key, const std::string& upload_id,
                      const std::vector<PartTag>& parts, const std::string&) override {
    std::string xml = "<CompleteMultipartUpload>";
    for (const auto& p : parts)
      xml += "<Part><PartNumber>" + std::to_string(p.index + 1) + "</PartNumber><ETag>" +
             xml_escape(p.tag) + "</ETag></Part>";
    xml += "</CompleteMultipartUpload>";
    HttpResponse r =
        request("POST", key, true, {{"uploadId", upload_id}},
                {{"Content-MD5", md5_b64(xml)}, {"Content-Type", "application/xml"}}, xml, true);
    // A retry of a completion that did succeed (its answer was lost) finds no upload.
    if (r.status == 404 && r.body.find("NoSuchUpload") != std::string::npos) {
      auto done = head(key);
      if (done && done->etag.find("-" + std::to_string(parts.size())) != std::string::npos) return;
    }
    // S3 may answer 200 with an <Error> body.
    if (r.status != 200 || r.body.find("<Error>") != std::string::npos)
      throw_http_error("completing the multipart upload of " + key,
                       r.status == 200 ? 500 : r.status, r.body);
  }

  void abort_parts(const std::string& key, const std::string& upload_id) override {
    request("DELETE", key, true, {{"uploadId", upload_id}}, {}, {});
  }

  ObjectInfo get_range(const std::string& key, int fd, int64_t offset, int64_t length,
                       const std::function<void(int64_t)>& on_bytes) override {
    std::map<std::string, std::string> h;
    if (length >= 0)
      h["Range"] = "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
    HttpResponse r = request("GET", key, true, {}, h, {}, false, fd, offset, on_bytes);
    if (r.status == 404) throw not_found(describe() + " has no object '" + key + "'");
    if (r.status != 200 && r.status != 206)
      throw_http_error("downloading " + key, r.status, r.body);
    return info_from(key, r);
  }

 private:
  ObjectInfo info_from(const std::string& key, const HttpResponse& r) const {
    ObjectInfo o;
    o.key = key;
    std::string range = r.header("content-range");
    if (auto slash = range.find('/'); slash != std::string::npos) {
      o.size = std::stoll(range.substr(slash + 1));
    } else if (!r.header("content-length").empty()) {
      o.size = std::stoll(r.header("content-length"));
    }
    o.etag = strip_quotes(r.header("etag"));
    o.version_id = r.header("x-amz-version-id");
    std::string ps = r.header("x-amz-meta-runnel-part-size");
    o.part_size = ps.empty() ? 0 : std::stoll(ps);
    return o;
  }

  // Query names and values are encoded and sorted here: curl 7.88 signs the query as written.
  HttpResponse request(const std::string& method, const std::string& key, bool object,
                       const std::map<std::string, std::string>& query,
                       std::map<std::string, std::string> headers, std::string_view body,
                       bool has_body = false, int out_fd = -1, int64_t out_offset = 0,
                       const std::function<void(int64_t)>& on_bytes = {}) {
    std::string url = base_;
    if (object) url += "/" + url_encode(cfg_.prefix + key, true);
    std::string qs;
    for (const auto& [k, v] : query)
      qs += (qs.empty() ? "" : "&") + url_encode(k, false) + "=" + url_encode(v, false);
    if (!qs.empty()) url += "?" + qs;
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.body = body;
    req.has_body = has_body;
    req.out_fd = out_fd;
    req.out_offset = out_offset;
    req.on_bytes = on_bytes;
    headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
    if (!cfg_.session_token.empty()) headers["x-amz-security-token"] = cfg_.session_token;
    for (const auto& [k, v] : headers) req.headers.push_back(k + ": " + v);
    req.aws_sigv4 = "aws:amz:" + cfg_.region + ":s3";
    req.userpwd = cfg_.access_key_id + ":" + cfg_.secret_access_key;
    return http_perform(std::move(req));
  }

  S3Config cfg_;
  std::string base_;
};

}  // namespace

std::string S3Config::bucket_url() const {
  std::string ep =
      endpoint_url.empty()
          ? "https://s3." + (region.empty() ? std::string("us-east-1") : region) + ".amazonaws.com"
          : endpoint_url;
  while (!ep.empty() && ep.back() == '/') ep.pop_back();
  return ep + "/" + bucket;
}

std::unique_ptr<ObjectStore> make_s3_store(const S3Config& cfg) {
  return std::make_unique<S3Store>(cfg);
}

void throw_http_error(const std::string& what, long status, const std::string& body) {
  std::string code;
  try {
    if (!body.empty()) code = xml_text(body, "Code", what);
  } catch (const Error&) {
  }
  std::string msg = what + ": HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code);
  if (status == 403)
    throw invalid_argument(
        msg +
        "; the credentials were refused: check the account key, SAS token or access key "
        "(runnel datastore show NAME)");
  if (status == 404) throw not_found(msg);
  throw io_error(msg);
}

}  // namespace runnel::objstore

// libcurl requests with retries (objstore/http.h).
#include "objstore/http.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <thread>

#include "runnel/error.h"

namespace runnel::objstore {

namespace {

std::atomic<int64_t> g_retries{0};

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

CURL* thread_handle() {
  static CurlGlobal global;
  thread_local std::unique_ptr<CURL, EasyDeleter> handle(curl_easy_init());
  curl_easy_reset(handle.get());
  return handle.get();
}

struct Transfer {
  CURL* curl;
  const HttpRequest* req;
  HttpResponse* resp;
  size_t sent = 0;
  int64_t received = 0;
  int64_t reported = 0;
  bool write_error = false;
};

size_t on_write(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  long status = 0;
  if (t->req->out_fd >= 0) curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (t->req->out_fd >= 0 && status >= 200 && status < 300) {
    size_t done = 0;
    while (done < len) {
      ssize_t w = ::pwrite(t->req->out_fd, data + done, len - done,
                           t->req->out_offset + t->received + done);
      if (w <= 0) {
        t->write_error = true;
        return 0;
      }
      done += static_cast<size_t>(w);
    }
  } else {
    t->resp->body.append(data, len);
  }
  t->received += static_cast<int64_t>(len);
  if (t->req->on_bytes) {
    t->req->on_bytes(static_cast<int64_t>(len));
    t->reported += static_cast<int64_t>(len);
  }
  return len;
}

size_t on_read(char* buf, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = std::min(size * n, t->req->body.size() - t->sent);
  std::copy_n(t->req->body.data() + t->sent, len, buf);
  t->sent += len;
  if (t->req->on_bytes && len) {
    t->req->on_bytes(static_cast<int64_t>(len));
    t->reported += static_cast<int64_t>(len);
  }
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    auto b = value.find_first_not_of(" \t");
    auto e = value.find_last_not_of(" \t\r\n");
    t->resp->headers[name] = b == std::string::npos ? "" : value.substr(b, e - b + 1);
  } else if (line.rfind("HTTP/", 0) == 0) {
    t->resp->headers.clear();  // a new response (after 100-continue)
  }
  return size * n;
}

// One attempt. Returns "" on a complete exchange (any status), else the curl failure.
std::string attempt(const HttpRequest& req, HttpResponse& resp, int64_t* reported) {
  CURL* c = thread_handle();
  Transfer t{c, &req, &resp};
  std::unique_ptr<curl_slist, SlistDeleter> hdrs;
  curl_slist* list = nullptr;
  for (const auto& h : req.headers) list = curl_slist_append(list, h.c_str());
  // No 100-continue round trip. (curl's SigV4 would sign an "Expect:" header line, so S3
  // requests instead let curl send the body right after its Expect header.)
  if (req.aws_sigv4.empty()) list = curl_slist_append(list, "Expect:");
  hdrs.reset(list);
  curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 1L);
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT" || (req.method == "POST" && (req.has_body || !req.body.empty()))) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    if (req.method == "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "POST");
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  if (!req.aws_sigv4.empty()) {
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, req.aws_sigv4.c_str());
    curl_easy_setopt(c, CURLOPT_USERPWD, req.userpwd.c_str());
  }
  CURLcode rc = curl_easy_perform(c);
  *reported = t.reported;
  if (t.write_error)
    throw io_error("cannot write the download of " + url_for_message(req.url) + " to disk");
  if (rc != CURLE_OK) return curl_easy_strerror(rc);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  return "";
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

int64_t http_retry_count() { return g_retries.load(); }

std::string url_for_message(const std::string& url) { return url.substr(0, url.find('?')); }

std::string url_encode(std::string_view s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpResponse http_perform(HttpRequest req, const RetryPolicy& policy) {
  thread_local std::mt19937 rng(std::random_device{}());
  std::string last;
  for (int i = 0; i < policy.attempts; ++i) {
    if (i > 0) {
      ++g_retries;
      int cap = std::min(policy.max_delay_ms, policy.base_delay_ms << std::min(i, 16));
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(cap / 2, cap)(rng)));
    }
    HttpRequest signed_req = req;
    if (req.sign) req.sign(signed_req);
    HttpResponse resp;
    int64_t reported = 0;
    std::string err = attempt(signed_req, resp, &reported);
    bool retry = !err.empty() || resp.status >= 500 || resp.status == 429;
    if (!retry) return resp;
    if (req.on_bytes && reported) req.on_bytes(-reported);
    last = err.empty() ? "HTTP " + std::to_string(resp.status) : err;
  }
  throw unavailable(req.method + " " + url_for_message(req.url) + " failed " +
                    std::to_string(policy.attempts) + " times (last: " + last +
                    "); check that the object store is reachable and try again");
}

}  // namespace runnel::objstore

// objstore/http.h: one HTTP request through libcurl, with retries.
//
// A request is retried with exponential backoff and jitter when the connection fails
// (refused, reset, dropped mid-body, timed out) or the server answers 5xx or 429; other
// statuses are returned to the caller. Each thread reuses one curl handle (keep-alive).
// Thread-safety: http_perform may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::objstore {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;             // sent for PUT/POST (not owned)
  bool has_body = false;             // send `body` even when it is empty (Content-Length: 0)
  // Response body to a file at this offset (pwrite) instead of HttpResponse::body.
  int out_fd = -1;
  int64_t out_offset = 0;
  // S3: curl's SigV4 ("aws:amz:REGION:s3") with user "ACCESS:SECRET".
  std::string aws_sigv4;
  std::string userpwd;
  // Called before every attempt (after a retry too), to (re)compute time-dependent
  // headers such as Azure SharedKey's date and signature.
  std::function<void(HttpRequest&)> sign;
  // Reported as bytes arrive/leave; a retried attempt reports its bytes again after
  // reporting the failed attempt's bytes as negative.
  std::function<void(int64_t)> on_bytes;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& lower_name) const;
};

struct RetryPolicy {
  int attempts = 8;
  int base_delay_ms = 50;
  int max_delay_ms = 4000;
};

// Performs `req`. Returns the final response (any status < 500 except 429). Throws
// runnel::Error(kUnavailable) when every attempt failed, naming the URL without its
// query (which may hold a SAS token) and the last failure.
HttpResponse http_perform(HttpRequest req, const RetryPolicy& policy = {});

// Process-wide count of attempts that were retried (for tests and reports).
int64_t http_retry_count();

// RFC 3986 percent-encoding; '/' kept when keep_slash.
std::string url_encode(std::string_view s, bool keep_slash);

// The URL without its query string, for messages.
std::string url_for_message(const std::string& url);

}  // namespace runnel::objstore

#include "server/http_util.h"

#include <charconv>
#include <ctime>

#include "core/ids.h"
#include "server/confine.h"

using nlohmann::json;

namespace runnel::server {

ApiError bad_field(const std::string& field, const std::string& message) {
  return ApiError(400, "invalid_argument", field + ": " + message, {{"field", field}});
}

int error_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kCancelled:
    case ErrorCode::kRunFailed:
      return 409;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kIo:
    case ErrorCode::kCorruption:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

const char* error_api_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kCancelled:
      return "conflict";
    case ErrorCode::kRunFailed:
      return "run_failed";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kCorruption:
      return "corruption";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message, const json& details) {
  send_json(res, status, {{"code", code}, {"message", message}, {"details", details}});
}

std::optional<std::string> query(const httplib::Request& req, const std::string& name) {
  if (!req.has_param(name.c_str())) return std::nullopt;
  return req.get_param_value(name.c_str());
}

int64_t query_int(const httplib::Request& req, const std::string& name, int64_t fallback,
                  int64_t min, int64_t max) {
  auto v = query(req, name);
  if (!v) return fallback;
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size())
    throw bad_field(name, "'" + *v + "' is not an integer");
  if (out < min || out > max)
    throw bad_field(name, std::to_string(out) + " is out of range [" + std::to_string(min) + ", " +
                              std::to_string(max) + "]");
  return out;
}

bool query_bool(const httplib::Request& req, const std::string& name, bool fallback) {
  auto v = query(req, name);
  if (!v) return fallback;
  if (*v == "true" || *v == "1" || v->empty()) return true;
  if (*v == "false" || *v == "0") return false;
  throw bad_field(name, "'" + *v + "' is not a boolean; use true or false");
}

int64_t parse_time_param(const std::string& field, const std::string& text) {
  int64_t ms = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec == std::errc() && p == text.data() + text.size()) return ms;
  std::tm tm{};
  int msec = 0;
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end && *end == '.') {
    ++end;
    int digits = 0;
    while (*end >= '0' && *end <= '9') {
      if (digits < 3) msec = msec * 10 + (*end - '0');
      ++digits;
      ++end;
    }
    for (; digits < 3; ++digits) msec *= 10;
  }
  if (!end) {
    tm = {};
    end = strptime(text.c_str(), "%Y-%m-%d", &tm);
  }
  if (!end || (*end && std::string(end) != "Z" && std::string(end) != "+00:00"))
    throw bad_field(field, "'" + text +
                               "' is not a time; use ISO 8601 UTC (2026-12-01T10:00:00Z) or "
                               "milliseconds since the epoch");
  return static_cast<int64_t>(timegm(&tm)) * 1000 + msec;
}

std::string confine_request(const std::string& root, const std::string& relative,
                            const std::string& field, bool must_exist) {
  try {
    return confine(root, relative, field, must_exist);
  } catch (const Error& e) {
    throw ApiError(error_status(e.code()), error_api_code(e.code()), e.what(), {{"field", field}});
  }
}

json time_json(int64_t ms) { return ms ? json(format_time_iso(ms)) : json(nullptr); }

json parse_json_or(const std::string& text, json fallback) {
  if (text.empty()) return fallback;
  json j = json::parse(text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

}  // namespace runnel::server

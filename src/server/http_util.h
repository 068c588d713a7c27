// server/http_util.h: JSON answers, API errors and query parsing for the REST handlers.
//
// Handlers throw ApiError (or runnel::Error, mapped once in error_status()) and the server
// turns either into `{code, message, details}` with the matching HTTP status. Stateless;
// thread-safe.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "runnel/error.h"

namespace runnel::server {

struct ApiError : std::runtime_error {
  ApiError(int status, std::string code, const std::string& message,
           nlohmann::json details = nlohmann::json::object())
      : std::runtime_error(message),
        status(status),
        code(std::move(code)),
        details(std::move(details)) {}
  int status;
  std::string code;
  nlohmann::json details;
};

// 400 naming the field.
ApiError bad_field(const std::string& field, const std::string& message);

// HTTP status and API code for a runnel::Error.
int error_status(ErrorCode code);
const char* error_api_code(ErrorCode code);

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message,
                const nlohmann::json& details = nlohmann::json::object());

// Query parameter helpers; bad values are ApiError 400 naming the parameter.
std::optional<std::string> query(const httplib::Request& req, const std::string& name);
int64_t query_int(const httplib::Request& req, const std::string& name, int64_t fallback,
                  int64_t min, int64_t max);
bool query_bool(const httplib::Request& req, const std::string& name, bool fallback);
// "2026-12-01T10:00:00Z", "2026-12-01" or milliseconds since the epoch; ApiError 400 otherwise.
int64_t parse_time_param(const std::string& field, const std::string& text);

// confine() (server/confine.h) for a request's path: its errors become ApiError 400/404
// with details.field = `field`.
std::string confine_request(const std::string& root, const std::string& relative,
                            const std::string& field, bool must_exist = true);

// ISO time or null for 0.
nlohmann::json time_json(int64_t ms);
// Parses stored JSON text; `fallback` when empty or invalid.
nlohmann::json parse_json_or(const std::string& text, nlohmann::json fallback);

}  // namespace runnel::server

// runnel/error.h: the one exception hierarchy for user-facing failures.
//
// Every failure a user can cause or fix (bad YAML, unknown environment, a missing
// file, a locked database) is thrown as runnel::Error with a code and a message that
// says what was wrong, where (file:line key, path, run id) and what to do.
// A failed *step* is not an error: it is recorded data (status, exit code, logs).
// Thread-safety: plain value types; safe to copy across threads.
#pragma once

#include <stdexcept>
#include <string>

namespace runnel {

enum class ErrorCode {
  kInvalidArgument,  // bad user input: YAML, flags, names, bindings
  kNotFound,         // a run, step, environment, compute or file that does not exist
  kAlreadyExists,    // registering a name that is taken
  kIo,               // the filesystem or a process call failed
  kCorruption,       // stored data that does not match what was recorded
  kCancelled,        // the user cancelled
  kUnavailable,      // a service (database, cluster) did not answer
  kInternal,         // a bug in runnel
  kRunFailed,        // a pipeline run ended Failed (wait_for_completion(raise_on_error))
};

// Returns a short lowercase name for the code ("invalid argument", "not found", ...).
const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Convenience constructors, so call sites read `throw invalid_argument("...")`.
inline Error invalid_argument(const std::string& m) {
  return Error(ErrorCode::kInvalidArgument, m);
}
inline Error not_found(const std::string& m) { return Error(ErrorCode::kNotFound, m); }
inline Error already_exists(const std::string& m) { return Error(ErrorCode::kAlreadyExists, m); }
inline Error io_error(const std::string& m) { return Error(ErrorCode::kIo, m); }
inline Error corruption(const std::string& m) { return Error(ErrorCode::kCorruption, m); }
inline Error cancelled(const std::string& m) { return Error(ErrorCode::kCancelled, m); }
inline Error unavailable(const std::string& m) { return Error(ErrorCode::kUnavailable, m); }
inline Error internal_error(const std::string& m) { return Error(ErrorCode::kInternal, m); }

}  // namespace runnel

#include "runnel/error.h"

namespace runnel {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kAlreadyExists:
      return "already exists";
    case ErrorCode::kIo:
      return "i/o error";
    case ErrorCode::kCorruption:
      return "corruption";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal error";
    case ErrorCode::kRunFailed:
      return "run failed";
  }
  return "error";
}

}  // namespace runnel

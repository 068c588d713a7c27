// core/check.h: RUNNEL_CHECK for programmer errors only (never for user input).
// A failed check throws runnel::Error(kInternal) naming the file, line and condition.
#pragma once

#include <string>

#include "runnel/error.h"

#define RUNNEL_CHECK(cond)                                                                       \
  do {                                                                                           \
    if (!(cond))                                                                                 \
      throw ::runnel::internal_error(std::string("internal check failed at ") + __FILE__ + ":" + \
                                     std::to_string(__LINE__) + ": " #cond);                     \
  } while (0)

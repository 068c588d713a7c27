// server/schedule/trigger.h: when a time-based schedule fires. A Trigger is a pure function
// of time: the first firing strictly after an instant. Recurrence (recurrence.h) and Cron
// (cron.h) implement it; the scheduler (scheduler.h) only calls next_after().
// Thread-safety: implementations are immutable after construction; const calls from any thread.
#pragma once

#include <cstdint>
#include <optional>

namespace runnel::schedule {

class Trigger {
 public:
  virtual ~Trigger() = default;
  // The first firing instant (seconds since the epoch) strictly after `after_s`; nullopt
  // when there is none within the search horizon (10 years).
  virtual std::optional<int64_t> next_after(int64_t after_s) const = 0;
};

}  // namespace runnel::schedule

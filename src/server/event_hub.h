// server/event_hub.h: run and step status changes, fanned out to SSE clients.
//
// Publishers (the runs' listeners) append events with a growing sequence number; each
// subscriber waits on a condition variable for events after the last one it saw. The
// newest kKeep events are buffered so a reconnecting client (Last-Event-ID) misses none.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace runnel::server {

struct Event {
  uint64_t seq = 0;
  std::string type;  // "run" | "step"
  std::string run_id;
  std::string data;  // the JSON payload
};

class EventHub {
 public:
  static constexpr size_t kKeep = 4096;
  void publish(const std::string& type, const std::string& run_id, const std::string& data);
  // Events with seq > `after` (at most kKeep); blocks up to `timeout` when there are none.
  // Returns at once (empty) after close().
  std::vector<Event> wait_after(uint64_t after, std::chrono::milliseconds timeout);
  uint64_t last_seq() const;
  // The sequence number of the newest event about `run_id`, 0 if none.
  uint64_t last_seq_of(const std::string& run_id) const;
  // Wakes every waiter for good (server shutdown).
  void close();
  bool closed() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  uint64_t seq_ = 0;
  std::unordered_map<std::string, uint64_t> last_of_run_;
  bool closed_ = false;
};

}  // namespace runnel::server

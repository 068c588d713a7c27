#include "server/event_hub.h"

namespace runnel::server {

void EventHub::publish(const std::string& type, const std::string& run_id,
                       const std::string& data) {
  {
    std::lock_guard lock(mu_);
    events_.push_back({++seq_, type, run_id, data});
    last_of_run_[run_id] = seq_;
    if (events_.size() > kKeep) events_.pop_front();
  }
  cv_.notify_all();
}

std::vector<Event> EventHub::wait_after(uint64_t after, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return closed_ || seq_ > after; });
  std::vector<Event> out;
  if (closed_) return out;
  for (const auto& e : events_)
    if (e.seq > after) out.push_back(e);
  return out;
}

uint64_t EventHub::last_seq() const {
  std::lock_guard lock(mu_);
  return seq_;
}

uint64_t EventHub::last_seq_of(const std::string& run_id) const {
  std::lock_guard lock(mu_);
  auto it = last_of_run_.find(run_id);
  return it == last_of_run_.end() ? 0 : it->second;
}

void EventHub::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool EventHub::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace runnel::server

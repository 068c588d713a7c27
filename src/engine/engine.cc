// engine/engine.cc: the scheduler thread of engine/engine.h.
#include "engine/engine.h"

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "engine/execution_impl.h"
#include "runnel/error.h"

namespace runnel {

using Clock = std::chrono::steady_clock;

struct Engine::Watch {
  PipelineExecution::Impl* run;
  ComputeBackend* backend;
};

Engine::Engine() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_.get() < 0)
    throw io_error(std::string("engine: cannot create an epoll fd: ") + std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wakeup fd
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.fd(), &ev) != 0)
    throw io_error(std::string("engine: cannot watch its wakeup fd: ") + std::strerror(errno));
  thread_ = std::thread([this] { loop(); });
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.signal();
  thread_.join();
}

Engine& Engine::shared() {
  static Engine engine;
  return engine;
}

void Engine::add(std::shared_ptr<PipelineExecution::Impl> run) {
  run->engine = this;
  {
    std::lock_guard<std::mutex> lock(mu_);
    incoming_.push_back(std::move(run));
    ++count_;
  }
  wake_.signal();
}

void Engine::wake() { wake_.signal(); }

void Engine::claim_released() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    claims_released_ = true;
  }
  wake_.signal();
}

void Engine::set_nice(int nice) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    nice_ = std::clamp(nice, 0, 19);
  }
  wake_.signal();
}

size_t Engine::run_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

void Engine::attach(const std::shared_ptr<PipelineExecution::Impl>& run) {
  for (ComputeBackend* b : run->backend_list()) {
    int fd = b->event_fd();
    if (fd < 0) continue;
    auto w = std::make_unique<Watch>(Watch{run.get(), b});
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = w.get();
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
      throw io_error(std::string("engine: cannot watch a backend's event fd: ") +
                     std::strerror(errno));
    watches_.push_back(std::move(w));
  }
}

void Engine::detach(PipelineExecution::Impl* run) {
  for (auto it = watches_.begin(); it != watches_.end();) {
    if ((*it)->run != run) {
      ++it;
      continue;
    }
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, (*it)->backend->event_fd(), nullptr);
    it = watches_.erase(it);
  }
}

void Engine::loop() {
  std::vector<epoll_event> events(256);
  for (;;) {
    std::vector<std::shared_ptr<PipelineExecution::Impl>> added;
    bool stop, claims;
    int nice;
    {
      std::lock_guard<std::mutex> lock(mu_);
      added.swap(incoming_);
      stop = stop_;
      claims = std::exchange(claims_released_, false);
      nice = std::exchange(nice_, -1);
    }
    if (int err = nice >= 0 ? internal::set_this_thread_nice(nice) : 0)
      std::cerr << "runnel: engine: cannot set the steps' nice value to " << nice << ": "
                << std::strerror(err) << "\n";
    for (auto& run : added) {
      try {
        attach(run);
      } catch (const std::exception& e) {
        std::cerr << "runnel: engine: run " << run->run_id << ": " << e.what()
                  << "; its backends are polled on a timer instead\n";
      }
      run->start();
      runs_.push_back(std::move(run));
    }
    if (stop) {
      for (auto& run : runs_) run->request_cancel();
      if (runs_.empty()) return;
    }
    if (claims)
      for (auto& run : runs_) run->claims_changed();

    // Launch what is ready; wait for the next event (or timer); handle it.
    for (auto& run : runs_) run->pump();
    Clock::time_point next = Clock::time_point::max();
    bool busy = false;
    for (auto& run : runs_) {
      next = std::min(next, run->next_timer());
      busy = busy || run->has_ready() || run->complete();
    }
    int timeout_ms = -1;
    if (busy) {
      timeout_ms = 0;
    } else if (next != Clock::time_point::max()) {
      const auto now = Clock::now();
      // A timer already due waits 0 ms (next - now would overflow for a time far in the past).
      auto left =
          next <= now ? 0 : std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 24 * 3600 * 1000));
    }
    int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
    if (n < 0 && errno != EINTR) {
      std::cerr << "runnel: engine: epoll_wait failed: " << std::strerror(errno) << "\n";
      n = 0;
    }
    for (int k = 0; k < n; ++k) {
      auto* w = static_cast<Watch*>(events[k].data.ptr);
      if (w == nullptr) {
        wake_.drain();
        continue;
      }
      w->run->on_backend_ready(*w->backend);
    }
    const auto now = Clock::now();
    for (auto& run : runs_)
      if (run->next_timer() <= now) run->on_timers(now);
    // Runs that reached their end leave the engine.
    for (auto it = runs_.begin(); it != runs_.end();) {
      if (!(*it)->complete()) {
        ++it;
        continue;
      }
      detach(it->get());
      (*it)->finish();
      it = runs_.erase(it);
      std::lock_guard<std::mutex> lock(mu_);
      --count_;
    }
  }
}

}  // namespace runnel

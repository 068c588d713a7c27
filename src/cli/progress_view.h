// cli/progress_view.h: the live view of a running pipeline.
//
// On a TTY: one line per step, redrawn in place (status, duration, exit code), with
// streamed log lines printed above it. Otherwise: one plain line per status change.
// Thread-safety: the listener callbacks come from the engine thread; redraw() from the
// CLI's main thread; both take the view's mutex.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "engine/executor.h"

namespace runnel::cli {

class ProgressView : public RunListener {
 public:
  ProgressView(bool tty, bool color, bool stream_logs);

  void on_submitted(const std::string& run_id, const std::vector<StepState>& steps) override;
  void on_step(const StepState& step) override;
  void on_log(const std::string& step, bool is_stderr, const std::string& line) override;
  void on_finished(RunStatus status) override;

  // Whether redraw() and finish() draw the steps (a TTY); when not, callers need not copy
  // the steps' states for them (1,000 steps on each turn of the wait loop add up).
  bool draws_steps() const { return tty_; }
  // Flushes the plain-text output; pending_logs_ are only drawn on a TTY.
  void flush();

  // Redraws the step block from `steps` (TTY only); call every ~100 ms.
  void redraw(const std::vector<StepState>& steps);
  // Final redraw and leaves the block on screen.
  void finish(const std::vector<StepState>& steps);

 private:
  void draw_locked(const std::vector<StepState>& steps);
  std::string paint(StepStatus status, const std::string& text) const;

  bool tty_;
  bool color_;
  bool stream_;
  std::mutex mu_;
  std::vector<std::string> pending_logs_;
  int drawn_lines_ = 0;
  int frame_ = 0;
  size_t name_width_ = 8;
};

}  // namespace runnel::cli

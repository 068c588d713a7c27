#include "cli/progress_view.h"

#include <cstdio>
#include <iostream>

#include "core/ids.h"

namespace runnel::cli {

namespace {
const char* kSpinner[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

std::string pad(const std::string& s, size_t w) {
  return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}

std::string detail(const StepState& s) {
  std::string d;
  int64_t end = s.ended_at ? s.ended_at : now_ms();
  if (s.status == StepStatus::kReused) return "reused " + s.reused_run_id;
  if (s.started_at) d += format_duration(end - s.started_at);
  if (s.status == StepStatus::kQueued && s.reason.rfind("waiting for", 0) == 0) return s.reason;
  if (s.status == StepStatus::kFailed || s.status == StepStatus::kCanceled) {
    if (!s.reason.empty()) d += (d.empty() ? "" : "  ") + s.reason;
  }
  if (!s.backend_job_id.empty() && s.compute != "local") d += "  job " + s.backend_job_id;
  return d;
}
}  // namespace

ProgressView::ProgressView(bool tty, bool color, bool stream_logs)
    : tty_(tty), color_(color && tty), stream_(stream_logs) {}

std::string ProgressView::paint(StepStatus status, const std::string& text) const {
  if (!color_) return text;
  const char* c = "";
  if (status == StepStatus::kFinished)
    c = "\033[32m";
  else if (status == StepStatus::kReused)
    c = "\033[36m";
  else if (status == StepStatus::kFailed)
    c = "\033[31m";
  else if (status == StepStatus::kCanceled)
    c = "\033[33m";
  else if (status == StepStatus::kRunning)
    c = "\033[1;34m";
  else
    return text;
  return std::string(c) + text + "\033[0m";
}

void ProgressView::on_submitted(const std::string& run_id, const std::vector<StepState>& steps) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& s : steps) name_width_ = std::max(name_width_, s.name.size());
  std::cout << "Submitted PipelineRun " << run_id << "\n";
  for (const auto& s : steps) std::cout << "  step " << s.name << ": " << s.decision << "\n";
  std::cout.flush();
}

void ProgressView::on_step(const StepState& s) {
  if (tty_) return;  // the TTY view redraws from the engine's state
  std::lock_guard<std::mutex> lock(mu_);
  std::string line =
      "[" + format_time(now_ms()).substr(11) + "] " + s.name + ": " + to_string(s.status);
  std::string d = detail(s);
  if (!d.empty() && s.status != StepStatus::kRunning &&
      (s.status != StepStatus::kQueued || !s.reason.empty()))
    line += " (" + d + ")";
  std::cout << line << "\n";
  std::cout.flush();
}

void ProgressView::on_log(const std::string& step, bool is_stderr, const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out = "[" + step + (is_stderr ? "!" : "") + "] " + line;
  if (tty_) {
    pending_logs_.push_back(out);
  } else {
    std::cout << out << "\n";
  }
}

void ProgressView::on_finished(RunStatus) {}

void ProgressView::draw_locked(const std::vector<StepState>& steps) {
  std::string buf;
  if (drawn_lines_ > 0) buf += "\033[" + std::to_string(drawn_lines_) + "F";  // up N lines
  buf += "\033[J";  // clear to the end of the screen
  for (const auto& l : pending_logs_) buf += l + "\n";
  pending_logs_.clear();
  ++frame_;
  for (const auto& s : steps) {
    std::string icon = s.status == StepStatus::kFinished   ? "✔"
                       : s.status == StepStatus::kReused   ? "↺"
                       : s.status == StepStatus::kFailed   ? "✘"
                       : s.status == StepStatus::kCanceled ? "⊘"
                       : (s.status == StepStatus::kRunning || s.status == StepStatus::kPreparing)
                           ? kSpinner[frame_ % 10]
                           : (s.status == StepStatus::kQueued ? "…" : "·");
    buf += "  " +
           paint(s.status,
                 icon + " " + pad(s.name, name_width_) + "  " + pad(to_string(s.status), 10)) +
           "  " + detail(s) + "\n";
  }
  drawn_lines_ = static_cast<int>(steps.size());
  std::fwrite(buf.data(), 1, buf.size(), stdout);
  std::fflush(stdout);
}

void ProgressView::flush() {
  std::lock_guard<std::mutex> lock(mu_);
  std::cout.flush();
}

void ProgressView::redraw(const std::vector<StepState>& steps) {
  if (!tty_) {
    flush();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  draw_locked(steps);
}

void ProgressView::finish(const std::vector<StepState>& steps) {
  if (!tty_) return;
  std::lock_guard<std::mutex> lock(mu_);
  draw_locked(steps);
}

}  // namespace runnel::cli

// server/schedule/scheduler.h: the schedules of one workspace and the thread of
// `runnel serve` that fires them.
//
// The thread sleeps on a condition variable until the earliest firing or poll is due, or a
// schedule is created, changed or deleted (no busy polling); then run_due() starts what is
// due through the Launcher and stores the outcome. Schedules live in a ScheduleStore (the
// workspace's metadata store: they survive restarts).
//
// Firings and restarts: while no scheduler runs (the server is down) nothing fires. When a
// time schedule's next firing has passed, it starts ONE run and moves on to the first
// firing after now; a firing that passed before this scheduler started (the server was
// down then) makes that run a catch-up run (reason catch_up, `missed` = how many firings
// it stands for); one that passed while it ran is a normal scheduled run. Disabled
// schedules do not fire; enabling one starts from now (no catch-up for the disabled time).
// A data-change schedule records the files under its path when it is created (they do
// not fire) and at every poll starts one run per file added or changed since
// (data_watch.h), also for changes made while the server was down.
//
// Thread-safety: every public method may be called from any thread. The Launcher is called
// without the scheduler's lock held, from the scheduler thread (or from run_due's caller).
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/schedule/data_watch.h"
#include "server/schedule/schedule.h"

namespace runnel::schedule {

// Durable storage of schedules and of data-change schedules' file records.
class ScheduleStore {
 public:
  virtual ~ScheduleStore() = default;
  virtual std::vector<ScheduleRecord> load_all() = 0;
  virtual void save(const ScheduleRecord& r) = 0;
  virtual void remove(const std::string& id) = 0;
  virtual FileStateMap load_files(const std::string& id) = 0;
  virtual void save_files(const std::string& id, const FileStateMap& files) = 0;
};

// The time source; tests pass a fake one and call run_due() themselves.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ms() const = 0;
};
class SystemClock : public Clock {
 public:
  int64_t now_ms() const override;
};

// One run to start.
struct FireRequest {
  const ScheduleRecord& schedule;
  FireReason reason;
  int64_t scheduled_s = 0;  // the firing (0 for data changes)
  std::string data_path;    // data change: the changed file, relative to the datastore
};

// Starts the run of a firing; returns its run id. Throws (any std::exception) when it
// cannot: the error is recorded on the schedule and in its runs, and the schedule goes on.
using Launcher = std::function<std::string(const FireRequest&)>;
// The absolute local folder or file of a path on a datastore; throws Error naming the
// datastore (unknown, or not local).
using DataPathResolver =
    std::function<std::string(const std::string& datastore, const std::string& path)>;

// The tags every fired run carries: azureml.schedule (= the schedule id),
// azureml.schedule.name, azureml.schedule.reason, and for data changes
// azureml.schedule.data_path.
std::map<std::string, std::string> fired_run_tags(const FireRequest& f);
// The parameter values of a firing (the SubmitRequest's parameter_assignments): the
// schedule's pipeline_parameters, "@..." expressions resolved for this firing
// (expressions.h: trigger().scheduledTime is f.scheduled_s, utcNow() the time now).
nlohmann::json fired_run_parameters(const FireRequest& f);
// Its data_path_assignments: for a data change with data_path_parameter_name,
// {name: {"DataStoreName": datastore, "RelativePath": the changed file}} (the REST body's
// DataPathAssignments); else {}.
nlohmann::json fired_run_data_paths(const FireRequest& f);

class Scheduler {
 public:
  Scheduler(ScheduleStore& store, Launcher launch, DataPathResolver resolve, const Clock& clock);
  ~Scheduler();  // stop()

  // Starts / stops the scheduler thread. stop() waits for a firing in progress.
  void start();
  void stop();

  // Validates `r` (trigger, target kind, data path), gives it an id, created time and
  // next firing, stores it, and wakes the thread. A data-change schedule records the
  // files present now. Throws Error(kInvalidArgument) naming the field, kAlreadyExists
  // when the name is taken by another schedule.
  ScheduleRecord create(ScheduleRecord r);
  // Applies `edit` to the stored schedule and validates it again (the next firing is
  // recomputed from now when the trigger changed). Error(kNotFound) for an unknown id.
  ScheduleRecord update(const std::string& id_or_name,
                        const std::function<void(ScheduleRecord&)>& edit);
  ScheduleRecord set_status(const std::string& id_or_name, ScheduleStatus status);
  void remove(const std::string& id_or_name);
  // By id, id prefix (8+ characters) or name.
  std::optional<ScheduleRecord> get(const std::string& id_or_name) const;
  std::vector<ScheduleRecord> list() const;  // by creation time

  // Starts what is due at the clock's now and returns the next instant (seconds) anything
  // is due, nullopt when nothing is. Blocks while launching.
  std::optional<int64_t> run_due();

 private:
  void loop();
  void validate(ScheduleRecord& r, int64_t now_s);           // fills next_s for new triggers
  std::string find_id(const std::string& id_or_name) const;  // callers hold mu_; "" if none

  ScheduleStore& store_;
  Launcher launch_;
  DataPathResolver resolve_;
  const Clock& clock_;
  int64_t started_s_;  // when this scheduler began; earlier firings were missed while down
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, ScheduleRecord> schedules_;  // by id
  bool stop_ = false;
  bool dirty_ = false;  // a schedule changed: recompute the wake-up time
  std::mutex fire_mu_;  // one run_due() at a time
  std::thread thread_;
};

// The ScheduleStore over the workspace metadata store's key/value table: "schedule.index"
// (the ids), "schedule.<id>" (the record) and "schedule.files.<id>".
std::unique_ptr<ScheduleStore> make_kv_schedule_store(
    std::function<std::optional<std::string>(const std::string&)> get,
    std::function<void(const std::string&, const std::string&)> set);

}  // namespace runnel::schedule

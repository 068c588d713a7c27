#include "server/schedule/scheduler.h"

#include <algorithm>
#include <chrono>

#include "core/sha256.h"
#include "runnel/error.h"
#include "server/schedule/expressions.h"
#include "server/schedule/recurrence.h"

using nlohmann::json;

namespace runnel::schedule {

namespace {

// Firings counted for a catch-up run's `missed` (beyond it, the count says "at least").
constexpr int kMaxMissedCount = 10000;

std::string new_schedule_id() {
  // A random UUID-shaped id (SDK schedule ids are UUIDs).
  std::string seed = std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) +
                     std::to_string(reinterpret_cast<uintptr_t>(&seed));
  std::string h = sha256_hex(
      seed + std::to_string(std::chrono::system_clock::now().time_since_epoch().count()));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

class KvScheduleStore : public ScheduleStore {
 public:
  KvScheduleStore(std::function<std::optional<std::string>(const std::string&)> get,
                  std::function<void(const std::string&, const std::string&)> set)
      : get_(std::move(get)), set_(std::move(set)) {}

  std::vector<ScheduleRecord> load_all() override {
    std::vector<ScheduleRecord> out;
    for (const auto& id : index()) {
      auto v = get_("schedule." + id);
      if (!v || v->empty()) continue;
      json j = json::parse(*v, nullptr, false);
      if (j.is_discarded())
        throw corruption("stored schedule " + id +
                         " is not JSON; delete it (runnel schedule delete " + id +
                         ") and create it again");
      out.push_back(record_from_json(j));
    }
    return out;
  }
  void save(const ScheduleRecord& r) override {
    set_("schedule." + r.id, to_json(r).dump());
    auto ids = index();
    if (std::find(ids.begin(), ids.end(), r.id) == ids.end()) {
      ids.push_back(r.id);
      set_("schedule.index", json(ids).dump());
    }
  }
  void remove(const std::string& id) override {
    auto ids = index();
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
    set_("schedule.index", json(ids).dump());
    set_("schedule." + id, "");
    set_("schedule.files." + id, "");
  }
  FileStateMap load_files(const std::string& id) override {
    auto v = get_("schedule.files." + id);
    if (!v || v->empty()) return {};
    return file_states_from_json(json::parse(*v, nullptr, false));
  }
  void save_files(const std::string& id, const FileStateMap& files) override {
    set_("schedule.files." + id, file_states_json(files).dump());
  }

 private:
  std::vector<std::string> index() {
    auto v = get_("schedule.index");
    std::vector<std::string> ids;
    if (!v) return ids;
    json j = json::parse(*v, nullptr, false);
    if (j.is_array())
      for (const auto& x : j)
        if (x.is_string()) ids.push_back(x.get<std::string>());
    return ids;
  }
  std::function<std::optional<std::string>(const std::string&)> get_;
  std::function<void(const std::string&, const std::string&)> set_;
};

}  // namespace

std::unique_ptr<ScheduleStore> make_kv_schedule_store(
    std::function<std::optional<std::string>(const std::string&)> get,
    std::function<void(const std::string&, const std::string&)> set) {
  return std::make_unique<KvScheduleStore>(std::move(get), std::move(set));
}

int64_t SystemClock::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::map<std::string, std::string> fired_run_tags(const FireRequest& f) {
  std::map<std::string, std::string> t = {{"azureml.schedule", f.schedule.id},
                                          {"azureml.schedule.name", f.schedule.name},
                                          {"azureml.schedule.reason", to_string(f.reason)}};
  if (!f.data_path.empty()) t["azureml.schedule.data_path"] = f.data_path;
  return t;
}

json fired_run_parameters(const FireRequest& f) {
  ExpressionContext ctx;
  ctx.start_s = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  ctx.scheduled_s = f.scheduled_s ? f.scheduled_s : ctx.start_s;
  return resolve_parameter_expressions(f.schedule.pipeline_parameters, ctx);
}

json fired_run_data_paths(const FireRequest& f) {
  json p = json::object();
  std::string name = f.schedule.trigger.value("data_path_parameter_name", "");
  if (f.reason == FireReason::kDataChange && !name.empty())
    p[name] = {{"DataStoreName", f.schedule.trigger.value("datastore", "")},
               {"RelativePath", f.data_path}};
  return p;
}

Scheduler::Scheduler(ScheduleStore& store, Launcher launch, DataPathResolver resolve,
                     const Clock& clock)
    : store_(store),
      launch_(std::move(launch)),
      resolve_(std::move(resolve)),
      clock_(clock),
      started_s_(clock.now_ms() / 1000) {
  for (auto& r : store_.load_all()) schedules_[r.id] = std::move(r);
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    dirty_ = false;
    lock.unlock();
    std::optional<int64_t> next;
    try {
      next = run_due();
    } catch (const std::exception&) {
      next = clock_.now_ms() / 1000 + 60;  // the store failed: try again in a minute
    }
    lock.lock();
    if (stop_ || dirty_) continue;
    auto deadline = next ? std::chrono::system_clock::time_point(std::chrono::seconds(*next))
                         : std::chrono::system_clock::now() + std::chrono::hours(24);
    cv_.wait_until(lock, deadline, [&] { return stop_ || dirty_; });
  }
}

std::string Scheduler::find_id(const std::string& key) const {
  if (schedules_.count(key)) return key;
  for (const auto& [id, r] : schedules_)
    if (r.name == key) return id;
  if (key.size() >= 8) {
    std::string found;
    for (const auto& [id, r] : schedules_)
      if (id.rfind(key, 0) == 0) {
        if (!found.empty()) return "";
        found = id;
      }
    return found;
  }
  return "";
}

void Scheduler::validate(ScheduleRecord& r, int64_t now_s) {
  if (r.name.empty()) throw invalid_argument("name: required (a name for the schedule)");
  switch (r.target.kind) {
    case TargetKind::kPipelineFile:
      if (r.target.path.empty())
        throw invalid_argument("create_job: give a pipeline file (create_job: ./pipeline.yml)");
      break;
    case TargetKind::kInlineJob:
      if (r.target.yaml.empty()) throw invalid_argument("create_job: the inline job is empty");
      break;
    case TargetKind::kPublishedPipeline:
      if (r.target.pipeline_id.empty()) throw invalid_argument("pipeline_id: required");
      break;
    case TargetKind::kPipelineEndpoint:
      if (r.target.endpoint_id.empty()) throw invalid_argument("pipeline_endpoint_id: required");
      break;
  }
  if (r.trigger_kind == TriggerKind::kDataChange) {
    const json& t = r.trigger;
    if (!t.contains("datastore") || !t["datastore"].is_string() ||
        t["datastore"].get<std::string>().empty())
      throw invalid_argument("datastore: required for a data-change schedule");
    if (t.contains("polling_interval") &&
        (!t["polling_interval"].is_number_integer() || t["polling_interval"].get<int64_t>() < 1))
      throw invalid_argument("polling_interval: " + t["polling_interval"].dump() +
                             " is not allowed; give whole minutes, at least 1 (default 5)");
    resolve_(t["datastore"].get<std::string>(), t.value("path_on_datastore", ""));
    if (!r.next_s) r.next_s = now_s + poll_interval_s(r);
    return;
  }
  auto trig = make_trigger(r);  // throws on a bad trigger
  if (r.next_s) return;
  auto* rec = dynamic_cast<Recurrence*>(trig.get());
  if (rec && rec->fires_at_creation())
    r.next_s = now_s;  // "If None is provided, the first workload is run instantly"
  else
    r.next_s = trig->next_after(now_s - 1);
}

ScheduleRecord Scheduler::create(ScheduleRecord r) {
  int64_t now = clock_.now_ms();
  r.created_ms = r.updated_ms = now;
  r.runs.clear();
  r.next_s.reset();
  r.last_error.clear();
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : schedules_)
      if (s.name == r.name)
        throw already_exists("a schedule named '" + r.name + "' exists (id " + id +
                             "); pick another name, or update or delete that one");
  }
  r.id = new_schedule_id();
  validate(r, now / 1000);
  if (r.trigger_kind == TriggerKind::kDataChange) {
    std::string root = resolve_(r.trigger["datastore"].get<std::string>(),
                                r.trigger.value("path_on_datastore", ""));
    store_.save_files(r.id, scan(root, {}).files);  // the baseline: present files do not fire
  }
  {
    std::lock_guard lock(mu_);
    store_.save(r);
    schedules_[r.id] = r;
    dirty_ = true;
  }
  cv_.notify_all();
  return r;
}

ScheduleRecord Scheduler::update(const std::string& key,
                                 const std::function<void(ScheduleRecord&)>& edit) {
  std::lock_guard fire(fire_mu_);  // not while a firing of it is being recorded
  std::unique_lock lock(mu_);
  std::string id = find_id(key);
  if (id.empty()) throw not_found("no schedule '" + key + "'; see `runnel schedule list`");
  ScheduleRecord r = schedules_[id];
  json before = {r.trigger, to_string(r.trigger_kind), to_string(r.status)};
  edit(r);
  r.id = id;
  for (const auto& [oid, s] : schedules_)
    if (oid != id && s.name == r.name)
      throw already_exists("a schedule named '" + r.name + "' exists (id " + oid + ")");
  int64_t now = clock_.now_ms();
  r.updated_ms = now;
  json after = {r.trigger, to_string(r.trigger_kind), to_string(r.status)};
  if (before != after) r.next_s.reset();  // from now on: no catch-up for a changed trigger
  lock.unlock();
  validate(r, now / 1000);
  if (r.next_s && before != after && r.trigger_kind != TriggerKind::kDataChange) {
    // A changed trigger (or an enable) starts from now; it does not fire at once unless due.
    auto trig = make_trigger(r);
    r.next_s = trig->next_after(now / 1000 - 1);
  }
  lock.lock();
  store_.save(r);
  schedules_[id] = r;
  dirty_ = true;
  lock.unlock();
  cv_.notify_all();
  return r;
}

ScheduleRecord Scheduler::set_status(const std::string& key, ScheduleStatus status) {
  return update(key, [&](ScheduleRecord& r) { r.status = status; });
}

void Scheduler::remove(const std::string& key) {
  std::lock_guard fire(fire_mu_);
  std::lock_guard lock(mu_);
  std::string id = find_id(key);
  if (id.empty()) throw not_found("no schedule '" + key + "'; see `runnel schedule list`");
  store_.remove(id);
  schedules_.erase(id);
  dirty_ = true;
  cv_.notify_all();
}

std::optional<ScheduleRecord> Scheduler::get(const std::string& key) const {
  std::lock_guard lock(mu_);
  std::string id = find_id(key);
  if (id.empty()) return std::nullopt;
  return schedules_.at(id);
}

std::vector<ScheduleRecord> Scheduler::list() const {
  std::lock_guard lock(mu_);
  std::vector<ScheduleRecord> out;
  for (const auto& [id, r] : schedules_) out.push_back(r);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.created_ms < b.created_ms; });
  return out;
}

std::optional<int64_t> Scheduler::run_due() {
  std::lock_guard fire(fire_mu_);
  const int64_t now_ms = clock_.now_ms();
  const int64_t now = now_ms / 1000;
  std::vector<ScheduleRecord> due;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, r] : schedules_)
      if (r.status == ScheduleStatus::kActive && r.next_s && *r.next_s <= now) due.push_back(r);
  }
  for (auto& r : due) {
    std::vector<FiredRun> fired;
    std::string error;
    auto fire = [&](FireReason reason, int64_t scheduled, const std::string& path, int missed) {
      FiredRun f{"", clock_.now_ms(), scheduled, reason, missed, path, ""};
      try {
        f.run_id = launch_(FireRequest{r, reason, scheduled, path});
      } catch (const std::exception& e) {
        f.error = e.what();
        error = e.what();
      }
      fired.push_back(f);
    };
    if (r.trigger_kind == TriggerKind::kDataChange) {
      try {
        std::string root = resolve_(r.trigger["datastore"].get<std::string>(),
                                    r.trigger.value("path_on_datastore", ""));
        ScanResult s = scan(root, store_.load_files(r.id));
        std::string prefix = r.trigger.value("path_on_datastore", "");
        while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
        for (const auto& rel : s.changed) {
          std::string on_ds =
              s.is_file || prefix.empty() ? (s.is_file ? prefix : rel) : prefix + "/" + rel;
          fire(FireReason::kDataChange, 0, on_ds, 0);
        }
        store_.save_files(r.id, s.files);
      } catch (const std::exception& e) {
        error = std::string("polling ") + r.trigger.value("datastore", "") + ":" +
                r.trigger.value("path_on_datastore", "") + " failed: " + e.what();
      }
      r.next_s = now + poll_interval_s(r);
    } else {
      std::unique_ptr<Trigger> trig;
      try {
        trig = make_trigger(r);
      } catch (const std::exception& e) {
        error = e.what();
      }
      if (trig) {
        int64_t scheduled = *r.next_s;
        int missed = 1;
        for (auto t = trig->next_after(scheduled); t && *t <= now && missed < kMaxMissedCount;
             t = trig->next_after(*t))
          ++missed;
        FireReason reason = FireReason::kScheduled;
        if (scheduled < started_s_)
          reason = FireReason::kCatchUp;  // it passed while no scheduler ran
        else if (r.runs.empty() && scheduled == r.created_ms / 1000)
          reason = FireReason::kAtCreation;
        fire(reason, scheduled, "", reason == FireReason::kCatchUp ? missed : 0);
        r.next_s = trig->next_after(now);
      } else {
        r.next_s.reset();
      }
    }
    // Store the outcome into the current record (it may have been edited or deleted).
    std::lock_guard lock(mu_);
    auto it = schedules_.find(r.id);
    if (it == schedules_.end()) continue;
    ScheduleRecord& cur = it->second;
    for (auto& f : fired) cur.runs.push_back(std::move(f));
    if (cur.runs.size() > kMaxRuns)
      cur.runs.erase(cur.runs.begin(), cur.runs.end() - static_cast<long>(kMaxRuns));
    cur.next_s = r.next_s;
    cur.last_error = error;
    try {
      store_.save(cur);
    } catch (const std::exception&) {
      // kept in memory; saved with the next change
    }
  }
  std::lock_guard lock(mu_);
  std::optional<int64_t> next;
  for (const auto& [id, r] : schedules_)
    if (r.status == ScheduleStatus::kActive && r.next_s && (!next || *r.next_s < *next))
      next = r.next_s;
  return next;
}

}  // namespace runnel::schedule

// The scheduler with a fake clock and an in-memory store: firings, one catch-up run after a
// "restart", disabled schedules, data-change polls, and the kv store's round trip.
#include "server/schedule/scheduler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runnel/error.h"
#include "server/schedule/time_zone.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace runnel::schedule {
namespace {

class FakeClock : public Clock {
 public:
  int64_t now_ms() const override { return now_s * 1000; }
  int64_t now_s = 0;
};

struct Fired {
  std::string schedule;
  FireReason reason;
  int64_t scheduled_s;
  std::string data_path;
  json parameters;
  json data_paths;
  std::map<std::string, std::string> tags;
};

// The kv store over a map: the same code the server uses over the metadata store.
struct Kv {
  std::map<std::string, std::string> values;
  std::unique_ptr<ScheduleStore> store() {
    return make_kv_schedule_store(
        [this](const std::string& k) -> std::optional<std::string> {
          auto it = values.find(k);
          if (it == values.end()) return std::nullopt;
          return it->second;
        },
        [this](const std::string& k, const std::string& v) { values[k] = v; });
  }
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("sched_test_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir / "ds" / "incoming");
    clock.now_s =
        civil_to_instant(cctz::civil_second(2026, 3, 7, 22, 0, 0), load_zone("America/New_York"));
    store = kv.store();
  }
  void TearDown() override { fs::remove_all(dir); }

  std::unique_ptr<Scheduler> make() {
    return std::make_unique<Scheduler>(
        *store,
        [this](const FireRequest& f) {
          fired.push_back({f.schedule.id, f.reason, f.scheduled_s, f.data_path,
                           fired_run_parameters(f), fired_run_data_paths(f), fired_run_tags(f)});
          if (fail_launch) throw invalid_argument("pipeline.yml: broken");
          return "run-" + std::to_string(fired.size());
        },
        [this](const std::string& ds, const std::string& path) {
          if (ds != "local_ds") throw not_found("no datastore '" + ds + "'");
          return (dir / "ds" / path).string();
        },
        clock);
  }

  ScheduleRecord recurrence(const std::string& name, const json& trigger) {
    ScheduleRecord r;
    r.name = name;
    r.trigger_kind = TriggerKind::kRecurrence;
    r.trigger = trigger;
    r.target.path = "pipeline.yml";
    return r;
  }

  void write(const std::string& rel, const std::string& text) {
    std::ofstream(dir / "ds" / rel) << text;
  }

  fs::path dir;
  FakeClock clock;
  Kv kv;
  std::unique_ptr<ScheduleStore> store;
  std::vector<Fired> fired;
  bool fail_launch = false;
};

TEST_F(SchedulerTest, FiresOnTheMinuteAndTagsTheRun) {
  auto s = make();
  auto r = s->create(recurrence("every-minute", {{"frequency", "Minute"},
                                                 {"interval", 1},
                                                 {"start_time", "2026-03-07T22:00:30"},
                                                 {"time_zone", "Eastern Standard Time"}}));
  EXPECT_EQ(*r.next_s, clock.now_s + 30);
  EXPECT_EQ(*s->run_due(), clock.now_s + 30);  // nothing due yet: next wake-up
  EXPECT_TRUE(fired.empty());
  clock.now_s += 30;
  EXPECT_EQ(*s->run_due(), clock.now_s + 60);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].reason, FireReason::kScheduled);
  EXPECT_EQ(fired[0].tags.at("azureml.schedule"), r.id);
  EXPECT_EQ(fired[0].tags.at("azureml.schedule.name"), "every-minute");
  clock.now_s += 60;
  s->run_due();
  EXPECT_EQ(fired.size(), 2u);
  auto got = s->get("every-minute");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->runs.size(), 2u);
  EXPECT_EQ(got->runs[1].run_id, "run-2");
}

TEST_F(SchedulerTest, NoStartTimeFiresAtCreation) {
  auto s = make();
  s->create(recurrence("now", {{"frequency", "Day"}, {"interval", 1}, {"time_of_day", "09:00"}}));
  s->run_due();
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].reason, FireReason::kAtCreation);
  s->run_due();
  EXPECT_EQ(fired.size(), 1u);
}

// The server was down over many firings: on restart ONE catch-up run, then normal firings.
TEST_F(SchedulerTest, RestartAfterMissedFiringsStartsOneCatchUpRun) {
  std::string id;
  {
    auto s = make();
    id = s->create(recurrence("hourly", {{"frequency", "Hour"},
                                         {"interval", 1},
                                         {"start_time", "2026-03-07T23:00:00"},
                                         {"time_zone", "America/New_York"}}))
             .id;
    clock.now_s += 3600;  // 23:00
    s->run_due();
    ASSERT_EQ(fired.size(), 1u);
  }                               // the server stops
  clock.now_s += 5 * 3600 + 600;  // back at 05:10 EDT on 8 March: 00,01,03,04,05 were missed
  auto s = make();                // a new server reads the stored schedule
  s->run_due();
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[1].reason, FireReason::kCatchUp);
  EXPECT_EQ(fired[1].tags.at("azureml.schedule.reason"), "catch_up");
  auto rec = s->get(id);
  EXPECT_EQ(rec->runs.back().missed, 5);
  EXPECT_EQ(format_civil(instant_to_civil(*rec->next_s, load_zone("America/New_York"))),
            "2026-03-08T06:00:00");
  s->run_due();
  EXPECT_EQ(fired.size(), 2u);  // only one
  clock.now_s = *rec->next_s;
  s->run_due();
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[2].reason, FireReason::kScheduled);
}

TEST_F(SchedulerTest, DisabledDoesNotFireAndEnableStartsFromNow) {
  auto s = make();
  s->create(recurrence("m", {{"frequency", "Minute"},
                             {"interval", 1},
                             {"start_time", "2026-03-07T22:01:00"},
                             {"time_zone", "America/New_York"}}));
  s->set_status("m", ScheduleStatus::kDisabled);
  clock.now_s += 600;
  EXPECT_FALSE(s->run_due());
  EXPECT_TRUE(fired.empty());
  auto r = s->set_status("m", ScheduleStatus::kActive);
  EXPECT_GT(*r.next_s, clock.now_s - 60);
  clock.now_s += 60;
  s->run_due();
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].reason, FireReason::kScheduled);
}

TEST_F(SchedulerTest, LaunchFailureIsRecordedAndTheScheduleGoesOn) {
  auto s = make();
  s->create(recurrence("m", {{"frequency", "Minute"},
                             {"interval", 1},
                             {"start_time", "2026-03-07T22:00:00"},
                             {"time_zone", "America/New_York"}}));
  fail_launch = true;
  s->run_due();
  auto r = s->get("m");
  ASSERT_EQ(r->runs.size(), 1u);
  EXPECT_NE(r->runs[0].error.find("pipeline.yml: broken"), std::string::npos);
  EXPECT_NE(r->last_error.find("broken"), std::string::npos);
  EXPECT_EQ(*r->next_s, clock.now_s + 60);
}

TEST_F(SchedulerTest, BadInputIsRefused) {
  auto s = make();
  s->create(recurrence("taken", {{"frequency", "Day"}, {"interval", 1}}));
  EXPECT_THROW(s->create(recurrence("taken", {{"frequency", "Day"}, {"interval", 1}})), Error);
  EXPECT_THROW(s->create(recurrence(
                   "bad", {{"frequency", "Day"}, {"interval", 1}, {"time_zone", "Nowhere/Else"}})),
               Error);
  ScheduleRecord c = recurrence("cron", {{"expression", "99 * * * *"}});
  c.trigger_kind = TriggerKind::kCron;
  EXPECT_THROW(s->create(c), Error);
  ScheduleRecord d = recurrence("data", {{"datastore", "nope"}});
  d.trigger_kind = TriggerKind::kDataChange;
  EXPECT_THROW(s->create(d), Error);
  EXPECT_THROW(s->remove("missing"), Error);
  EXPECT_EQ(s->list().size(), 1u);
}

// One run per new or changed file, with the changed path as the parameter; none for files
// present at creation, unchanged files, or a touch that keeps the bytes.
TEST_F(SchedulerTest, DataChangeFiresOncePerNewOrChangedFile) {
  write("incoming/old.csv", "a,b\n");
  auto s = make();
  ScheduleRecord r;
  r.name = "on-data";
  r.trigger_kind = TriggerKind::kDataChange;
  r.trigger = {{"datastore", "local_ds"},
               {"path_on_datastore", "incoming"},
               {"polling_interval", 1},
               {"data_path_parameter_name", "input_path"}};
  r.target.path = "pipeline.yml";
  r.pipeline_parameters = {{"alpha", "0.5"}};
  r = s->create(r);
  EXPECT_EQ(*r.next_s, clock.now_s + 60);
  clock.now_s += 60;
  s->run_due();
  EXPECT_TRUE(fired.empty());  // old.csv was there before
  write("incoming/new1.csv", "1\n");
  write("incoming/new2.csv", "2\n");
  clock.now_s += 60;
  s->run_due();
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0].reason, FireReason::kDataChange);
  EXPECT_EQ(fired[0].data_path, "incoming/new1.csv");
  EXPECT_EQ(fired[0].data_paths.at("input_path"),
            (json{{"DataStoreName", "local_ds"}, {"RelativePath", "incoming/new1.csv"}}));
  EXPECT_EQ(fired[0].parameters.at("alpha"), "0.5");
  EXPECT_EQ(fired[1].data_path, "incoming/new2.csv");
  EXPECT_EQ(fired[1].tags.at("azureml.schedule.data_path"), "incoming/new2.csv");
  clock.now_s += 60;
  s->run_due();
  EXPECT_EQ(fired.size(), 2u);  // unchanged: nothing
  fs::last_write_time(dir / "ds/incoming/new1.csv",
                      fs::file_time_type::clock::now() + std::chrono::hours(1));
  clock.now_s += 60;
  s->run_due();
  EXPECT_EQ(fired.size(), 2u);  // touched, same bytes: nothing
  write("incoming/old.csv", "a,b\n1,2\n");
  clock.now_s += 60;
  s->run_due();
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[2].data_path, "incoming/old.csv");
  // A restart keeps the file records: nothing fires for what was already seen.
  auto s2 = make();
  clock.now_s += 60;
  s2->run_due();
  EXPECT_EQ(fired.size(), 3u);
}

TEST_F(SchedulerTest, StoreRoundTripAndDelete) {
  {
    auto s = make();
    auto r = recurrence(
        "cron", {{"expression", "0 9 * * MON-FRI"}, {"time_zone", "Pacific Standard Time"}});
    r.trigger_kind = TriggerKind::kCron;
    r.description = "weekday mornings";
    r.experiment_name = "nightly";
    s->create(r);
  }
  auto s = make();
  auto got = s->get("cron");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->description, "weekday mornings");
  EXPECT_EQ(got->experiment_name, "nightly");
  EXPECT_EQ(got->trigger_kind, TriggerKind::kCron);
  EXPECT_EQ(instant_to_civil(*got->next_s, load_zone("America/Los_Angeles")).hour(), 9);
  s->remove(got->id);
  EXPECT_TRUE(make()->list().empty());
}

// The thread wakes for a schedule created while it sleeps (real clock, a firing due now).
TEST(SchedulerThreadTest, WakesOnCreateWithoutPolling) {
  Kv kv;
  auto store = kv.store();
  SystemClock clock;
  std::mutex mu;
  std::condition_variable cv;
  int n = 0;
  Scheduler s(
      *store,
      [&](const FireRequest&) {
        std::lock_guard l(mu);
        ++n;
        cv.notify_all();
        return std::string("r");
      },
      [](const std::string&, const std::string&) { return std::string("/nonexistent"); }, clock);
  s.start();
  ScheduleRecord r;
  r.name = "at-once";
  r.trigger = {{"frequency", "Minute"}, {"interval", 1}};
  r.target.path = "p.yml";
  s.create(r);
  std::unique_lock l(mu);
  EXPECT_TRUE(cv.wait_for(l, std::chrono::seconds(5), [&] { return n == 1; }));
  l.unlock();
  s.stop();
}

}  // namespace
}  // namespace runnel::schedule

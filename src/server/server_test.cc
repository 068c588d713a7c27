// In-process server on a free port against a temporary workspace: auth, errors, submit,
// run detail, logs with Range, path confinement.
#include "server/server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "runnel/error.h"
#include "runnel/workspace.h"
#include "server/api_json.h"
#include "server/niced_pool.h"
#include "server/tokens.h"
#include "spec/pipeline_spec.h"
#include "store/metadata_store.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace runnel::server {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("server-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    ws_ = std::make_unique<Workspace>(Workspace::create(dir_.string()));
    fs::create_directories(dir_ / "p");
    std::ofstream(dir_ / "p/hello.yml")
        << "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json\n"
           "type: pipeline\nexperiment_name: hello\njobs:\n"
           "  hello:\n    type: command\n    command: echo hello-from-step\n";
    fs::create_directories(dir_ / "studio/assets");
    std::ofstream(dir_ / "studio/index.html") << "<html>studio</html>";
    std::ofstream(dir_ / "studio/assets/app-AbC_12-z.js") << "hashed";
    std::ofstream(dir_ / "studio/assets/plain.js") << "plain";
    ServerOptions o;
    o.port = 0;
    o.access_log = &log_;
    o.studio_dir = (dir_ / "studio").string();
    srv_ = std::make_unique<Server>(*ws_, o);
    port_ = srv_->bind();
    thread_ = std::thread([this] { srv_->serve(); });
    // Until it answers: a shutdown() that came before serve() listened would leave serve()
    // listening for ever and TearDown's join() hanging (seen under load).
    for (int i = 0; i < 200; ++i) {
      httplib::Client c("127.0.0.1", port_);
      if (auto r = c.Get("/healthz"); r && r->status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    admin_ = TokenStore(ws_->runnel_dir()).admin_secret();
    reader_ = TokenStore(ws_->runnel_dir()).create("viewer", Scope::kRead);
  }
  void TearDown() override {
    srv_->shutdown(std::chrono::seconds(5));
    thread_.join();
    srv_.reset();
    ws_.reset();
    fs::remove_all(dir_);
  }
  httplib::Result get(const std::string& path, const std::string& token,
                      httplib::Headers extra = {}) {
    httplib::Client c("127.0.0.1", port_);
    if (!token.empty()) extra.emplace("Authorization", "Bearer " + token);
    return c.Get(path.c_str(), extra);
  }
  httplib::Result post(const std::string& path, const std::string& token, const json& body) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c.Post(path.c_str(), {{"Authorization", "Bearer " + token}}, body.dump(),
                  "application/json");
  }
  json wait_run(const std::string& id) {
    for (int i = 0; i < 300; ++i) {
      auto r = get("/api/v1/runs/" + id, admin_);
      json j = json::parse(r->body);
      std::string s = j["status"];
      if (s == "Finished" || s == "Failed" || s == "Canceled") return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "run " << id << " did not end";
    return {};
  }

  fs::path dir_;
  std::unique_ptr<Workspace> ws_;
  std::ostringstream log_;
  std::unique_ptr<Server> srv_;
  std::thread thread_;
  int port_ = 0;
  std::string admin_, reader_;
};

TEST(NicedPoolTest, RunsTheWorkAtItsNiceValueAndRethrows) {
  server::NicedPool pool(2, 7);
  auto nice_of_this_thread = [] {
    errno = 0;
    return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  };
  int caller = nice_of_this_thread();
  // Below an inherited value only with CAP_SYS_NICE (root).
  EXPECT_EQ(pool.run(nice_of_this_thread), ::geteuid() == 0 ? 7 : std::max(caller, 7));
  EXPECT_EQ(nice_of_this_thread(), caller);  // the caller's own priority is untouched
  EXPECT_THROW(pool.run([]() -> int { throw std::runtime_error("boom"); }), std::runtime_error);
  std::vector<std::thread> callers;
  std::atomic<int> sum{0};
  for (int i = 0; i < 8; ++i) callers.emplace_back([&, i] { sum += pool.run([i] { return i; }); });
  for (auto& t : callers) t.join();
  EXPECT_EQ(sum, 28);
}

TEST_F(ServerTest, HealthzNeedsNoTokenEverythingElseDoes) {
  EXPECT_EQ(get("/healthz", "")->status, 200);
  auto r = get("/api/v1/runs", "");
  EXPECT_EQ(r->status, 401);
  json e = json::parse(r->body);
  EXPECT_EQ(e["code"], "unauthorized");
  EXPECT_TRUE(e.contains("details"));
  EXPECT_EQ(get("/api/v1/runs", "rnl_wrong")->status, 401);
  EXPECT_EQ(get("/metrics", "")->status, 401);
  EXPECT_EQ(get("/api/v1/runs", admin_)->status, 200);
  EXPECT_EQ(get("/api/v1/runs", reader_)->status, 200);
}

TEST_F(ServerTest, ReadOnlyTokenCannotSubmit) {
  auto r = post("/api/v1/runs", reader_, {{"path", "p/hello.yml"}});
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(json::parse(r->body)["code"], "forbidden");
}

TEST_F(ServerTest, BadInputIs400NamingTheField) {
  auto r = get("/api/v1/runs?limit=abc", admin_);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["details"]["field"], "limit");
  EXPECT_EQ(json::parse(get("/api/v1/runs?status=Bogus", admin_)->body)["details"]["field"],
            "status");
  EXPECT_EQ(json::parse(get("/api/v1/runs?since=yesterday", admin_)->body)["details"]["field"],
            "since");
  r = post("/api/v1/runs", admin_, {{"yaml", 5}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["details"]["field"], "yaml");
  r = post("/api/v1/runs", admin_, {{"yaml", "type: pipeline\njobs: 3\n"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(get("/api/v1/runs/nosuchrun", admin_)->status, 404);
  EXPECT_EQ(get("/api/v1/nosuch", admin_)->status, 404);
}

TEST_F(ServerTest, TraversalRefused) {
  for (const char* p : {"../etc/passwd", "/etc/passwd", "p/../../x.yml"}) {
    auto r = post("/api/v1/runs", admin_, {{"path", p}});
    EXPECT_EQ(r->status, 400) << p;
    EXPECT_EQ(json::parse(r->body)["details"]["field"], "path") << p;
  }
  auto r = post("/api/v1/runs", admin_, {{"yaml", "type: pipeline\n"}, {"base_dir", "../.."}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["details"]["field"], "base_dir");
}

// A settings typo is a warning in the submit answer, as in `runnel run`; strict: true makes
// it a 400 naming the line.
TEST_F(ServerTest, LoaderWarningsInTheAnswerAndStrictRefuses) {
  const std::string yaml =
      "type: pipeline\nsettings:\n  default_datestore: x\njobs:\n  a: {command: echo hi}\n";
  auto r = post("/api/v1/runs", admin_, {{"yaml", yaml}});
  ASSERT_EQ(r->status, 201) << r->body;
  json a = json::parse(r->body);
  ASSERT_EQ(a["warnings"].size(), 1u) << r->body;
  EXPECT_NE(a["warnings"][0].get<std::string>().find(
                "submitted-pipeline.yml:3:3: settings.default_datestore: unknown key"),
            std::string::npos)
      << r->body;
  EXPECT_EQ(wait_run(a["run_id"])["status"], "Finished");
  r = post("/api/v1/runs", admin_, {{"yaml", yaml}, {"strict", true}});
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("did you mean 'default_datastore'"), std::string::npos) << r->body;
  r = post("/api/v1/runs", admin_, {{"yaml", yaml}, {"strict", "yes"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["details"]["field"], "strict");
}

// The kind the run detail names: the YAML loader's (sweep, parallel, python_script) as is; a
// command step by the runnel module it runs (the SDK's HyperDriveStep, ParallelRunStep,
// DataTransferStep are command steps), and only when it runs it as `python -m MODULE`.
TEST(StepKind, FromTheSpecOrTheModuleACommandStepRuns) {
  auto kind = [](const std::string& k, const std::string& command) {
    StepSpec st;
    st.kind = k;
    st.command = command;
    return step_kind(st);
  };
  EXPECT_EQ(kind("sweep", "python -m runnel.sweep --spec-b64 e30="), "sweep");
  EXPECT_EQ(kind("parallel", "python -m runnel.parallel_run --entry-script s.py"), "parallel");
  EXPECT_EQ(kind("python_script", "python train.py"), "python_script");
  EXPECT_EQ(kind("command", "echo hi"), "command");
  EXPECT_EQ(kind("command", "python -m runnel.sweep --spec-b64 e30="), "sweep");
  EXPECT_EQ(kind("command", "/usr/bin/python3 -m runnel.parallel_run --entry-script s.py"),
            "parallel");
  EXPECT_EQ(kind("command", "python -m runnel.data_transfer --source a"), "data_transfer");
  EXPECT_EQ(kind("command", "python -m runnel.sweeper"), "command");
  EXPECT_EQ(kind("command", "echo python -m runnel.sweep"), "command");
  EXPECT_EQ(kind("command", "python x.py -m runnel.sweep"), "command");
  EXPECT_EQ(kind("command", ""), "command");
}

TEST_F(ServerTest, SubmitFollowAndReadLogs) {
  auto r = post("/api/v1/runs", admin_, {{"path", "p/hello.yml"}, {"tags", {{"team", "a"}}}});
  ASSERT_EQ(r->status, 201) << r->body;
  std::string id = json::parse(r->body)["run_id"];
  json d = wait_run(id);
  EXPECT_EQ(d["status"], "Finished");
  ASSERT_EQ(d["steps"].size(), 1u);
  EXPECT_EQ(d["steps"][0]["command"], "echo hello-from-step");
  EXPECT_EQ(d["steps"][0]["kind"], "command");
  EXPECT_EQ(d["steps"][0]["exit_code"], 0);
  auto logs = get("/api/v1/runs/" + id + "/steps/hello/logs/stdout", reader_);
  ASSERT_EQ(logs->status, 200);
  EXPECT_EQ(logs->body, "hello-from-step\n");
  auto part =
      get("/api/v1/runs/" + id + "/steps/hello/logs/stdout", reader_, {{"Range", "bytes=0-4"}});
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, "hello");
  EXPECT_EQ(get("/api/v1/runs/" + id + "/steps/hello/logs/other", reader_)->status, 400);
  json list = json::parse(get("/api/v1/runs?tag=team%3Da", reader_)->body);
  EXPECT_EQ(list["total"], 1);
  EXPECT_EQ(json::parse(get("/api/v1/runs?tag=team%3Db", reader_)->body)["total"], 0);
  // The second '=' unencoded, as curl users write it: still KEY=VALUE, not KEY "b".
  EXPECT_EQ(json::parse(get("/api/v1/runs?tag=team=a", reader_)->body)["total"], 1);
  EXPECT_EQ(json::parse(get("/api/v1/runs?tag=team=b", reader_)->body)["total"], 0);
  EXPECT_EQ(
      json::parse(get("/api/v1/runs?experiment=hello&status=Finished", reader_)->body)["total"], 1);
  // The access log has a line per request and never the token.
  EXPECT_NE(log_.str().find("\"/api/v1/runs\""), std::string::npos);
  EXPECT_EQ(log_.str().find(admin_), std::string::npos);
  EXPECT_EQ(log_.str().find(reader_), std::string::npos);
  auto m = get("/metrics", reader_);
  EXPECT_NE(m->body.find("runnel_runs{status=\"Finished\"} 1"), std::string::npos);
  EXPECT_NE(m->body.find("runnel_http_request_duration_seconds_bucket"), std::string::npos);
}

// The list is filtered, paged and counted by the store, and a run recorded by another
// process (straight into the store, no event) is listed at once.
TEST_F(ServerTest, ListsRunsFilteredPagedAndCountedByTheStore) {
  EXPECT_EQ(json::parse(get("/api/v1/runs", reader_)->body)["total"], 0);
  MetadataStore& store = ws_->store();
  for (int i = 1; i <= 5; ++i) {
    PipelineRunRecord r;
    r.id = "t" + std::to_string(i);
    r.experiment = i % 2 ? "odd" : "even";
    r.status = i == 2 ? RunStatus::kFailed : RunStatus::kFinished;
    r.display_name = "run " + r.id;
    r.spec_json = R"({"jobs":{}})";
    r.tags_json = i <= 3 ? R"({"team":"a"})" : R"({"team":"b"})";
    r.created_at = 1000 * i;
    r.started_at = 1000 * i + 1;
    r.ended_at = 1000 * i + 501;
    store.create_pipeline_run(r);
    for (int k = 0; k < i; ++k) {
      StepRunRecord st;
      st.id = r.id + "-s" + std::to_string(k);
      st.pipeline_run_id = r.id;
      st.name = "s" + std::to_string(k);
      st.status = k == 0 ? StepStatus::kReused : StepStatus::kFinished;
      st.created_at = r.created_at;
      store.create_step_run(st);
    }
  }
  json page = json::parse(get("/api/v1/runs?limit=2&offset=1", reader_)->body);
  EXPECT_EQ(page["total"], 5);
  EXPECT_EQ(page["limit"], 2);
  EXPECT_EQ(page["offset"], 1);
  ASSERT_EQ(page["runs"].size(), 2u);
  EXPECT_EQ(page["runs"][0]["run_id"], "t4");
  EXPECT_EQ(page["runs"][1]["run_id"], "t3");
  json t4 = page["runs"][0];
  EXPECT_EQ(t4["step_counts"], json({{"Finished", 3}, {"Reused", 1}}));
  EXPECT_EQ(t4["tags"], json({{"team", "b"}}));
  EXPECT_EQ(t4["experiment"], "even");
  EXPECT_EQ(t4["status"], "Finished");
  EXPECT_EQ(t4["duration_s"], 0.5);
  std::vector<std::string> keys;
  for (const auto& [k, v] : t4.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"created", "display_name", "duration_s", "ended",
                                            "error", "experiment", "run_id", "source_file",
                                            "started", "status", "step_counts", "tags"}));
  auto ids = [&](const std::string& q) {
    json j = json::parse(get("/api/v1/runs?" + q, reader_)->body);
    std::vector<std::string> out;
    for (const auto& r : j["runs"]) out.push_back(r["run_id"]);
    EXPECT_EQ(j["total"], out.size()) << q;
    return out;
  };
  EXPECT_EQ(ids("experiment=odd"), (std::vector<std::string>{"t5", "t3", "t1"}));
  EXPECT_EQ(ids("status=Failed"), (std::vector<std::string>{"t2"}));
  EXPECT_EQ(ids("tag=team%3Da&status=Finished,Failed"),
            (std::vector<std::string>{"t3", "t2", "t1"}));
  EXPECT_EQ(ids("tag=team&since=2000&until=4000"), (std::vector<std::string>{"t3", "t2"}));
  // Another write is seen by the next request (the answer cache follows the store).
  PipelineRunRecord late;
  late.id = "t6";
  late.experiment = "odd";
  late.status = RunStatus::kRunning;
  late.created_at = 6000;
  store.create_pipeline_run(late);
  EXPECT_EQ(ids("experiment=odd"), (std::vector<std::string>{"t6", "t5", "t3", "t1"}));

  json ex = json::parse(get("/api/v1/experiments", reader_)->body)["experiments"];
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[1]["name"], "odd");
  EXPECT_EQ(ex[1]["run_count"], 4);
  EXPECT_EQ(ex[1]["last_run_id"], "t6");
  EXPECT_EQ(ex[1]["last_status"], "Running");  // text, as docs/api/openapi.json says
  auto m = get("/metrics", reader_);
  EXPECT_NE(m->body.find("runnel_runs{status=\"Finished\"} 4"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("runnel_runs{status=\"Failed\"} 1"), std::string::npos);
}

// A Range that starts at or past the end is 416 with the size (RFC 9110 14.4); one that
// ends past the end is clamped, and Content-Length is what is sent.
// A time schedule answers its next firing in UTC and on its own wall clock: the zone's
// IANA name and the local time with the offset of that day (the studio shows both).
TEST_F(ServerTest, ScheduleAnswersTheNextFiringInItsTimeZone) {
  json body = {{"name", "nightly"},
               {"trigger",
                {{"type", "recurrence"},
                 {"frequency", "Day"},
                 {"interval", 1},
                 {"start_time", "2030-01-15T09:30:00"},
                 {"time_zone", "W. Europe Standard Time"}}},
               {"target", {{"type", "pipeline_file"}, {"path", "p/hello.yml"}}}};
  auto r = post("/api/v1/schedules", admin_, body);
  ASSERT_EQ(r->status, 201) << r->body;
  json s = json::parse(get("/api/v1/schedules/nightly", reader_)->body);
  EXPECT_EQ(s["next_run_time"].get<std::string>().substr(0, 19), "2030-01-15T08:30:00");
  EXPECT_EQ(s["time_zone"], "Europe/Berlin");
  EXPECT_EQ(s["next_run_time_local"], "2030-01-15T09:30:00+01:00");
  // Summer time: the offset of the firing's day, not of today.
  body["name"] = "summer";
  body["trigger"]["start_time"] = "2030-07-15T09:30:00";
  body["trigger"]["time_zone"] = "America/New_York";
  ASSERT_EQ(post("/api/v1/schedules", admin_, body)->status, 201);
  s = json::parse(get("/api/v1/schedules/summer", reader_)->body);
  EXPECT_EQ(s["next_run_time_local"], "2030-07-15T09:30:00-04:00");
  EXPECT_EQ(s["next_run_time"].get<std::string>().substr(0, 19), "2030-07-15T13:30:00");
  // Disabled: no next firing, in either form.
  ASSERT_EQ(post("/api/v1/schedules/summer/disable", admin_, json::object())->status, 200);
  s = json::parse(get("/api/v1/schedules/summer", reader_)->body);
  EXPECT_TRUE(s["next_run_time"].is_null());
  EXPECT_TRUE(s["next_run_time_local"].is_null());
  EXPECT_EQ(s["time_zone"], "America/New_York");
}

// A ParallelRunStep's mini-batch log (logs/parallel/minibatch-N.txt of the step run) is a
// log stream as stdout is; other names are still refused.
TEST_F(ServerTest, MiniBatchLogIsALogStream) {
  auto r = post("/api/v1/runs", admin_, {{"path", "p/hello.yml"}});
  ASSERT_EQ(r->status, 201) << r->body;
  std::string id = json::parse(r->body)["run_id"];
  json d = wait_run(id);
  auto step = ws_->store().get_step_run(d["steps"][0]["step_run_id"].get<std::string>());
  ASSERT_TRUE(step);
  fs::create_directories(step->run_dir + "/logs/parallel");
  std::ofstream(step->run_dir + "/logs/parallel/minibatch-3.txt") << "scored f015.txt\n";
  std::string logs = "/api/v1/runs/" + id + "/steps/hello/logs/";
  auto got = get(logs + "minibatch-3", reader_);
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(got->body, "scored f015.txt\n");
  EXPECT_EQ(get(logs + "minibatch-4", reader_)->status, 404);
  EXPECT_EQ(get(logs + "minibatch-x", reader_)->status, 400);
  EXPECT_EQ(get(logs + "minibatch-3..", reader_)->status, 400);
}

TEST_F(ServerTest, RangePastTheEndOfALogIs416WithItsSize) {
  auto r = post("/api/v1/runs", admin_, {{"path", "p/hello.yml"}});
  ASSERT_EQ(r->status, 201) << r->body;
  std::string id = json::parse(r->body)["run_id"];
  ASSERT_EQ(wait_run(id)["status"], "Finished");
  std::string url =
      "/api/v1/runs/" + id + "/steps/hello/logs/stdout";  // "hello-from-step\n": 16 bytes
  for (const char* range : {"bytes=16-", "bytes=100-200", "bytes=16-20"}) {
    auto past = get(url, reader_, {{"Range", range}});
    EXPECT_EQ(past->status, 416) << range;
    EXPECT_EQ(past->get_header_value("Content-Range"), "bytes */16") << range;
    EXPECT_EQ(json::parse(past->body)["code"], "range_not_satisfiable") << range;
    EXPECT_EQ(past->get_header_value("Content-Length"), std::to_string(past->body.size())) << range;
  }
  auto tail = get(url, reader_, {{"Range", "bytes=6-1000"}});
  EXPECT_EQ(tail->status, 206);
  EXPECT_EQ(tail->body, "from-step\n");
  EXPECT_EQ(tail->get_header_value("Content-Length"), "10");
  EXPECT_EQ(tail->get_header_value("Content-Range"), "bytes 6-15/16");
  auto suffix = get(url, reader_, {{"Range", "bytes=-5"}});
  EXPECT_EQ(suffix->status, 206);
  EXPECT_EQ(suffix->body, "step\n");
  auto longer = get(url, reader_, {{"Range", "bytes=-500"}});
  EXPECT_EQ(longer->status, 206);
  EXPECT_EQ(longer->body, "hello-from-step\n");
}

TEST_F(ServerTest, CacheControlPerKindOfAnswer) {
  EXPECT_EQ(get("/api/v1/runs", reader_)->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(get("/api/v1/openapi.json", reader_)->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(get("/api/v1/runs/nosuch", reader_)->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(get("/api/v1/runs", "")->get_header_value("Cache-Control"), "no-store");  // 401
  EXPECT_EQ(get("/healthz", "")->get_header_value("Cache-Control"), "no-store");
  auto hashed = get("/assets/app-AbC_12-z.js", "");
  EXPECT_EQ(hashed->status, 200);
  EXPECT_EQ(hashed->body, "hashed");
  EXPECT_EQ(hashed->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(get("/assets/plain.js", "")->get_header_value("Cache-Control"), "no-cache");
  EXPECT_EQ(get("/", "")->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(get("/index.html", "")->get_header_value("Cache-Control"), "no-store");
  // A client route gets index.html, never cached; so does a missing hashed-looking asset.
  auto route = get("/runs/abc", "");
  EXPECT_EQ(route->body, "<html>studio</html>");
  EXPECT_EQ(route->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(get("/assets/gone-AbCd1234.js", "")->get_header_value("Cache-Control"), "no-store");
}

TEST_F(ServerTest, NoAuthOffLoopbackRefused) {
  ServerOptions o;
  o.host = "0.0.0.0";
  o.no_auth = true;
  EXPECT_THROW({ Server refused(*ws_, o); }, Error);
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
}

}  // namespace
}  // namespace runnel::server

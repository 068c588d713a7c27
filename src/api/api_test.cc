// The C++ object model end to end: steps, data, pipelines, experiments and runs on a real
// temporary workspace with the local backend.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runnel/runnel.h"
#include "spec/pipeline_spec.h"
#include "store/metadata_store.h"

namespace fs = std::filesystem;

namespace runnel {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("runnel-api-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "src");
    std::ofstream(dir_ / "src" / "make.py")
        << "import sys\nopen(sys.argv[1] + '/x.txt', 'w').write('hello')\n";
  }
  // The engine's thread may still be closing the run's database files when a wait returns
  // (raise_on_error throws as soon as the status is final): retry, then tolerate.
  void TearDown() override {
    std::error_code ec;
    for (int i = 0; i < 5 && fs::exists(dir_); ++i) fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(ApiTest, PipelinePullsInProducersAndRendersDataAsPlaceholders) {
  Workspace ws = Workspace::create(dir_.string());
  PipelineData prepped("prepped", ws.get_default_datastore());
  PythonScriptStep prep({.script_name = "make.py",
                         .name = "prep",
                         .arguments = {prepped},
                         .outputs = {prepped},
                         .source_directory = (dir_ / "src").string()});
  CommandStep use({.name = "use",
                   .command = "cat",
                   .arguments = {prepped.as_input("data"), "--n", 3},
                   .inputs = {prepped.as_input("data")}});
  Pipeline p(ws, {use});
  ASSERT_EQ(p.steps().size(), 2u);
  EXPECT_EQ(p.steps()[0].name(), "prep");
  PipelineSpec spec = p.to_spec();
  EXPECT_EQ(spec.steps[0].command, "python make.py ${{outputs.prepped}}");
  EXPECT_EQ(spec.steps[1].command, "cat ${{inputs.data}} --n 3");
  ASSERT_EQ(spec.steps[1].inputs.size(), 1u);
  EXPECT_EQ(spec.steps[1].inputs[0].source->step, "prep");
  EXPECT_EQ(spec.steps[1].inputs[0].source->output, "prepped");
  EXPECT_TRUE(p.validate().empty());
}

TEST_F(ApiTest, ValidateReportsCyclesAndDuplicateNames) {
  Workspace ws = Workspace::create(dir_.string());
  CommandStep a({.name = "a", .command = "true"});
  CommandStep b({.name = "b", .command = "true"});
  CommandStep c({.name = "c", .command = "true"});
  a.run_after(b);
  b.run_after(c);
  // A cycle is refused where it would be made (and would leak the steps, held by each other).
  try {
    c.run_after(a);
    FAIL() << "a run_after cycle was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'a' already runs after 'c'"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("cycle"), std::string::npos) << e.what();
  }
  EXPECT_THROW(a.run_after(a), Error);
  auto problems = Pipeline(ws, {a}).validate();
  EXPECT_TRUE(problems.empty()) << problems[0];
  CommandStep c1({.name = "same", .command = "true"});
  CommandStep c2({.name = "same", .command = "true"});
  problems = Pipeline(ws, {c1, c2}).validate();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("same"), std::string::npos) << problems[0];
}

TEST_F(ApiTest, TwoStepsWritingOneDataAreRejected) {
  Workspace ws = Workspace::create(dir_.string());
  PipelineData d("d");
  CommandStep a({.name = "a", .command = "true", .outputs = {d}});
  EXPECT_THROW(CommandStep({.name = "b", .command = "true", .outputs = {d}}), Error);
}

TEST_F(ApiTest, SubmitRunsReusesAndRegistersOutputDatasets) {
  Workspace ws = Workspace::create(dir_.string());
  Datastore ds = ws.get_default_datastore();
  OutputFileDatasetConfig out("greeting",
                              OutputFileDatasetConfig::Destination{ds, "greetings/{run-id}"});
  out = out.as_upload().register_on_complete("greetings", "a greeting");
  CommandStep write({.name = "write",
                     .command = "sh -c 'echo hello > \"$0\"/g.txt'",
                     .arguments = {out},
                     .outputs = {out}});
  CommandStep read({.name = "read", .command = "ls", .arguments = {out.as_input("g")}});
  Pipeline p(ws, {read});

  PipelineRun run = Experiment(ws, "api").submit(p);
  std::string status = run.wait_for_completion(false);
  ASSERT_EQ(status, "Finished");
  auto writes = run.find_step_run("write");
  ASSERT_EQ(writes.size(), 1u);
  std::string path = writes[0].get_output_data("greeting");
  EXPECT_NE(path.find("/greetings/" + writes[0].id()), std::string::npos) << path;
  EXPECT_TRUE(fs::exists(fs::path(path) / "g.txt"));
  auto v1 = ws.store().get_dataset("greetings", 0);
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->version, 1);

  PipelineRun again = Experiment(ws, "api").submit(p);
  ASSERT_EQ(again.wait_for_completion(false), "Finished");
  for (const auto& s : again.get_steps()) EXPECT_EQ(s.get_status(), "Reused") << s.name();
  EXPECT_EQ(ws.store().get_dataset("greetings", 0)->version,
            1);  // unchanged content: no new version

  PipelineRun forced = Experiment(ws, "api").submit(p, {.regenerate_outputs = true});
  ASSERT_EQ(forced.wait_for_completion(false), "Finished");
  EXPECT_EQ(ws.store().get_dataset("greetings", 0)->version, 1);  // same bytes again
}

TEST_F(ApiTest, RegisteredDatasetIsConsumedAsDownload) {
  Workspace ws = Workspace::create(dir_.string());
  std::ofstream(dir_ / "rows.csv") << "a,b\n1,2\n";
  FileDataset files = Dataset::File::from_files({DataPath((dir_ / "rows.csv").string())});
  files = files.register_dataset(ws, "rows");
  // A dataset made from one file is that file's path in the step (as in Azure ML).
  CommandStep count({.name = "count",
                     .command = "sh -c 'cat \"$0\" | wc -l'",
                     .arguments = {files.as_named_input("rows").as_download()}});
  PipelineRun run = Experiment(ws, "api").submit(Pipeline(ws, {count}));
  ASSERT_EQ(run.wait_for_completion(false), "Finished");
  auto steps = run.get_steps();
  ASSERT_EQ(steps.size(), 1u);
  std::ifstream log(steps[0].log_dir() + "/stdout.txt");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("2"), std::string::npos) << text;
}

TEST_F(ApiTest, FailedStepIsDataAndRaiseOnErrorNamesIt) {
  Workspace ws = Workspace::create(dir_.string());
  CommandStep bad({.name = "bad", .command = "exit 3"});
  PipelineRun run = Experiment(ws, "api").submit(Pipeline(ws, {bad}));
  try {
    run.wait_for_completion(false, 0, /*raise_on_error=*/true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("step 'bad' failed"), std::string::npos) << e.what();
  }
  EXPECT_EQ(run.get_steps()[0].exit_code(), 3);
}

}  // namespace
}  // namespace runnel

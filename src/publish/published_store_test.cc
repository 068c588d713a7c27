// The store of published pipelines, endpoints and drafts, on a real temporary workspace.
#include "publish/published_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/fs.h"
#include "runnel/error.h"
#include "runnel/runnel.h"
#include "spec/parameters.h"
#include "spec/pipeline_spec.h"

namespace fs = std::filesystem;

namespace runnel {
namespace {

class PublishedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("runnel-publish-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "src");
    std::ofstream(dir_ / "src" / "say.py") << "import sys\nprint(sys.argv[1:])\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  PipelineSpec spec(Workspace& ws) {
    PipelineParameter msg("msg", "hello");
    PythonScriptStep say({.script_name = "say.py",
                          .name = "say",
                          .arguments = {"--msg", msg},
                          .source_directory = (dir_ / "src").string()});
    return Pipeline(ws, {say}).to_spec();
  }
  fs::path dir_;
};

TEST_F(PublishedStoreTest, PublishFreezesCodeAndKeepsParameters) {
  Workspace ws = Workspace::create(dir_.string());
  PublishedStore ps(ws);
  auto r = ps.publish(spec(ws), {.name = "say", .description = "d", .version = "1.0"});
  EXPECT_EQ(r.id.size(), 36u);
  EXPECT_EQ(r.status, PublishedStatus::kActive);
  // Editing the original code after publishing changes nothing in the definition.
  std::ofstream(dir_ / "src" / "say.py") << "raise SystemExit(3)\n";
  PipelineSpec s = ps.pipeline_spec(ps.require_pipeline(r.id));
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_NE(s.steps[0].code_dir, (dir_ / "src").string());
  EXPECT_EQ(read_file(s.steps[0].code_dir + "/say.py"), "import sys\nprint(sys.argv[1:])\n");
  ASSERT_EQ(s.parameters.size(), 1u);
  EXPECT_EQ(s.steps[0].command, "python say.py --msg ${{parameters.msg}}");
  apply_parameters(&s, {{"msg", {"bye now", {}}}}, "ParameterAssignments");
  EXPECT_EQ(s.steps[0].command, "python say.py --msg 'bye now'");
  // By prefix, listed, disabled.
  EXPECT_EQ(ps.require_pipeline(r.id.substr(0, 8)).name, "say");
  EXPECT_EQ(ps.list_pipelines().size(), 1u);
  ps.set_pipeline_status(r.id, PublishedStatus::kDisabled);
  EXPECT_EQ(ps.list_pipelines(true).size(), 0u);
  EXPECT_EQ(ps.require_pipeline(r.id).status, PublishedStatus::kDisabled);
  try {
    ps.require_pipeline("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  EXPECT_THROW(ps.publish(spec(ws), {.name = ""}), Error);
}

TEST_F(PublishedStoreTest, EndpointVersionsDefaultsAndNames) {
  Workspace ws = Workspace::create(dir_.string());
  PublishedStore ps(ws);
  auto a = ps.publish(spec(ws), {.name = "a"});
  auto b = ps.publish(spec(ws), {.name = "b"});
  auto e = ps.create_endpoint("ep", "desc", a.id);
  EXPECT_EQ(e.default_version, "0");
  EXPECT_THROW(ps.create_endpoint("ep", "", b.id), Error);  // name taken
  e = ps.add_version("ep", b.id, false);
  EXPECT_EQ(e.pipeline_ids.size(), 2u);
  EXPECT_EQ(ps.endpoint_pipeline_id(e, ""), a.id);
  EXPECT_EQ(ps.endpoint_pipeline_id(e, "1"), b.id);
  EXPECT_THROW(ps.endpoint_pipeline_id(e, "2"), Error);
  EXPECT_THROW(ps.endpoint_pipeline_id(e, "x"), Error);
  e = ps.set_default_version(e.id, "1");
  EXPECT_EQ(ps.endpoint_pipeline_id(ps.require_endpoint("ep"), ""), b.id);
  EXPECT_THROW(ps.set_default_version("ep", "5"), Error);
  e = ps.rename_endpoint("ep", "ep2");
  EXPECT_FALSE(ps.get_endpoint("ep"));
  EXPECT_EQ(ps.require_endpoint("ep2").id, e.id);
  ps.set_endpoint_status("ep2", PublishedStatus::kDisabled);
  EXPECT_EQ(ps.list_endpoints(true).size(), 0u);
  EXPECT_EQ(ps.list_endpoints().size(), 1u);
  e = ps.add_version("ep2", a.id, true);
  EXPECT_EQ(e.default_version, "2");
}

TEST_F(PublishedStoreTest, DraftsRoundTrip) {
  Workspace ws = Workspace::create(dir_.string());
  PublishedStore ps(ws);
  PipelineDraftRecord d;
  d.name = "draft";
  d.experiment_name = "exp";
  d.tags = {{"k", "v"}};
  d = ps.create_draft(d);
  EXPECT_EQ(ps.list_drafts().size(), 1u);
  d.description = "changed";
  ps.update_draft(d);
  EXPECT_EQ(ps.require_draft(d.id).description, "changed");
  EXPECT_EQ(ps.require_draft(d.id).tags.at("k"), "v");
  ps.delete_draft(d.id);
  EXPECT_TRUE(ps.list_drafts().empty());
  EXPECT_THROW(ps.delete_draft(d.id), Error);
}

}  // namespace
}  // namespace runnel

// settings.on_init / settings.on_finalize of a pipeline job (spec/yaml_init_finalize.h).
#include <gtest/gtest.h>

#include "runnel/error.h"
#include "spec/spec_json.h"
#include "spec/spec_test_util.h"
#include "spec/validate.h"
#include "spec/yaml_loader.h"

namespace runnel {
namespace {

class InitFinalize : public ::testing::Test {
 protected:
  PipelineSpec load(const std::string& yaml) {
    return load_pipeline_yaml_string(yaml, dir_.path("pipeline.yml"));
  }
  std::string error_of(const std::string& yaml) {
    return testing_spec::invalid_argument_of([&] { load(yaml); });
  }
  static std::vector<std::string> after(const PipelineSpec& p, const std::string& step) {
    return p.find_step(step)->run_after;
  }
  testing_spec::TempDir dir_;
};

const char* kJobs =
    "jobs:\n"
    "  setup: {command: echo setup}\n"
    "  train:\n    command: echo > ${{outputs.m}}/m\n    outputs: {m: {type: uri_folder}}\n"
    "  score:\n    command: cat ${{inputs.m}}/m\n    inputs:\n      m: "
    "${{parent.jobs.train.outputs.m}}\n"
    "  cleanup: {command: echo cleanup}\n";

TEST_F(InitFinalize, InitRunsFirstAndFinalizeLast) {
  PipelineSpec p = load(std::string("type: pipeline\nsettings:\n  on_init: setup\n"
                                    "  on_finalize: cleanup\n") +
                        kJobs);
  EXPECT_TRUE(after(p, "setup").empty());
  EXPECT_EQ(after(p, "train"), std::vector<std::string>{"setup"});
  EXPECT_EQ(after(p, "score"), std::vector<std::string>{"setup"});
  EXPECT_EQ(after(p, "cleanup"), (std::vector<std::string>{"setup", "train", "score"}));
  EXPECT_EQ(p.finalize_steps, std::vector<std::string>{"cleanup"});
  EXPECT_EQ(topological_order(p), (std::vector<std::string>{"setup", "train", "score", "cleanup"}));
  // The run record keeps which steps run last whatever happened.
  PipelineSpec back = spec_from_json(spec_to_json(p));
  EXPECT_EQ(back.finalize_steps, p.finalize_steps);
  EXPECT_EQ(spec_to_json_text(p), spec_to_json(p).dump());
}

TEST_F(InitFinalize, EitherAlone) {
  PipelineSpec p = load(std::string("type: pipeline\nsettings: {on_finalize: cleanup}\n") + kJobs);
  EXPECT_TRUE(after(p, "train").empty());
  EXPECT_EQ(after(p, "cleanup"), (std::vector<std::string>{"setup", "train", "score"}));
  p = load(std::string("type: pipeline\nsettings: {on_init: setup}\n") + kJobs);
  EXPECT_EQ(after(p, "cleanup"), std::vector<std::string>{"setup"});
  EXPECT_TRUE(p.finalize_steps.empty());
}

TEST_F(InitFinalize, APipelineJobCountsWithItsInnerSteps) {
  dir_.write("inner.yml",
             "type: pipeline\njobs:\n"
             "  a:\n    command: echo > ${{outputs.o}}/x\n    outputs: {o: {type: uri_folder}}\n"
             "  b:\n    command: cat ${{inputs.i}}/x\n    inputs:\n      i: "
             "${{parent.jobs.a.outputs.o}}\n");
  PipelineSpec p = load(
      "type: pipeline\nsettings: {on_init: prep, on_finalize: done}\njobs:\n"
      "  prep: {type: pipeline, component: ./inner.yml}\n"
      "  work: {command: echo work}\n"
      "  done: {type: pipeline, component: ./inner.yml}\n");
  EXPECT_EQ(after(p, "work"), (std::vector<std::string>{"prep/a", "prep/b"}));
  EXPECT_EQ(after(p, "prep/b"), std::vector<std::string>{});  // its input orders it
  EXPECT_EQ(p.finalize_steps, (std::vector<std::string>{"done/a", "done/b"}));
  EXPECT_EQ(after(p, "done/a"), (std::vector<std::string>{"prep/a", "prep/b", "work"}));
}

TEST_F(InitFinalize, UnknownJobIsNamedWithTheJobsThereAre) {
  std::string e = error_of(std::string("type: pipeline\nsettings:\n  on_init: set_up\n") + kJobs);
  EXPECT_NE(e.find("pipeline.yml:3:12: settings.on_init: no job is named 'set_up' in jobs:; "
                   "name one of the pipeline's jobs: 'setup', 'train', 'score', 'cleanup'"),
            std::string::npos)
      << e;
}

TEST_F(InitFinalize, ConnectedJobsAreRefusedAsInAzureMl) {
  // The finalize job reads another job's output.
  std::string e = error_of(
      "type: pipeline\nsettings: {on_finalize: score}\njobs:\n"
      "  train:\n    command: echo > ${{outputs.m}}/m\n    outputs: {m: {type: uri_folder}}\n"
      "  score:\n    command: cat ${{inputs.m}}/m\n    inputs:\n      m: "
      "${{parent.jobs.train.outputs.m}}\n");
  EXPECT_NE(e.find("settings.on_finalize: on_finalize job 'score' reads output 'm' of job 'train'"),
            std::string::npos)
      << e;
  // Another job reads the init job's output.
  e = error_of(
      "type: pipeline\nsettings: {on_init: train}\njobs:\n"
      "  train:\n    command: echo > ${{outputs.m}}/m\n    outputs: {m: {type: uri_folder}}\n"
      "  score:\n    command: cat ${{inputs.m}}/m\n    inputs:\n      m: "
      "${{parent.jobs.train.outputs.m}}\n");
  EXPECT_NE(e.find("settings.on_init: job 'score' reads output 'm' of on_init job 'train'"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("no connection"), std::string::npos) << e;
}

TEST_F(InitFinalize, RunAfterCannotTieThemToTheOthers) {
  std::string e = error_of(
      "type: pipeline\nsettings: {on_init: a}\njobs:\n"
      "  a: {command: echo, run_after: [b]}\n  b: {command: echo}\n");
  EXPECT_NE(e.find("jobs.a.run_after: on_init job 'a' cannot wait for job 'b'"), std::string::npos)
      << e;
  e = error_of(
      "type: pipeline\nsettings: {on_finalize: a}\njobs:\n"
      "  a: {command: echo}\n  b: {command: echo, run_after: [a]}\n");
  EXPECT_NE(e.find("jobs.b.run_after: job 'b' cannot run after on_finalize job 'a'"),
            std::string::npos)
      << e;
  // Waiting for the init job is what happens anyway: accepted.
  PipelineSpec p = load(
      "type: pipeline\nsettings: {on_init: a}\njobs:\n"
      "  a: {command: echo}\n  b: {command: echo, run_after: [a]}\n");
  EXPECT_EQ(after(p, "b"), std::vector<std::string>{"a"});
}

TEST_F(InitFinalize, SameJobTwiceAndPipelineComponentSettingsAreRefused) {
  std::string e = error_of(std::string("type: pipeline\nsettings: {on_init: setup, "
                                       "on_finalize: setup}\n") +
                           kJobs);
  EXPECT_NE(e.find("settings.on_finalize: names job 'setup', which settings.on_init names too"),
            std::string::npos)
      << e;
  dir_.write("inner.yml", "type: pipeline\njobs:\n  a: {command: echo}\n  b: {command: echo}\n");
  e = error_of(
      "type: pipeline\njobs:\n"
      "  p:\n    type: pipeline\n    component: ./inner.yml\n    settings: {on_init: a}\n");
  EXPECT_NE(e.find("jobs.p.settings.on_init: on_init is taken only in the top-level pipeline "
                   "job's settings"),
            std::string::npos)
      << e;
}

}  // namespace
}  // namespace runnel

// The cache of parsed plans: a hit gives exactly what a fresh load gives, and any change
// to a file the load read, or to a path it checked, is a miss that loads the file again.
#include "spec/plan_cache.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/fs.h"
#include "spec/registered_refs.h"
#include "spec/spec_json.h"
#include "spec/spec_test_util.h"
#include "spec/yaml_loader.h"

namespace runnel {
namespace {

namespace fs = std::filesystem;

class PlanCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("src/train.py", "print('hi')\n");
    dir_.write("data/rows.csv", "a\n1\n");
    dir_.write("train.yml",
               "$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json\n"
               "type: command\nname: train\n"
               "inputs: {rows: {type: uri_folder}, lr: {type: number, default: 0.1}}\n"
               "outputs: {model: {type: uri_folder}}\n"
               "code: ./src\n"
               "command: python train.py ${{inputs.rows}} ${{inputs.lr}} ${{outputs.model}}\n");
    write_pipeline("0.1");
  }
  void write_pipeline(const std::string& lr) {
    dir_.write("pipeline.yml",
               "type: pipeline\nexperiment_name: pc\nsettings: {default_compute: local, "
               "unknown_setting: 1}\n"
               "jobs:\n"
               "  train:\n    component: ./train.yml\n"
               "    inputs: {rows: {type: uri_folder, path: ./data}, lr: " +
                   lr +
                   "}\n"
                   "  score:\n    command: echo ${{inputs.m}}\n"
                   "    inputs:\n      m: ${{parent.jobs.train.outputs.model}}\n");
  }
  PipelineSpec cached(bool* hit) {
    return load_pipeline_yaml_cached(dir_.path("pipeline.yml"), {}, dir_.path("cache"), hit);
  }
  static std::string text_of(const PipelineSpec& p) { return spec_to_json(p).dump(); }
  testing_spec::TempDir dir_;
};

TEST_F(PlanCacheTest, AHitGivesWhatAFreshLoadGives) {
  PipelineSpec fresh = load_pipeline_yaml(dir_.path("pipeline.yml"));
  bool hit = true;
  PipelineSpec first = cached(&hit);
  EXPECT_FALSE(hit);
  PipelineSpec second = cached(&hit);
  EXPECT_TRUE(hit);
  EXPECT_EQ(text_of(first), text_of(fresh));
  EXPECT_EQ(text_of(second), text_of(fresh));
  ASSERT_FALSE(fresh.load_messages.empty());  // the unknown setting's warning
  EXPECT_EQ(second.load_messages, fresh.load_messages);
  EXPECT_EQ(second.default_compute_key, fresh.default_compute_key);
  EXPECT_EQ(second.default_compute_loc.line, fresh.default_compute_loc.line);
  ASSERT_NE(second.find_step("train"), nullptr);
  EXPECT_EQ(second.find_step("train")->code_dir, dir_.path("src"));
}

TEST_F(PlanCacheTest, AChangedPipelineFileIsAMiss) {
  bool hit = false;
  cached(&hit);
  write_pipeline("0.5");
  PipelineSpec p = cached(&hit);
  EXPECT_FALSE(hit);
  EXPECT_EQ(text_of(p), text_of(load_pipeline_yaml(dir_.path("pipeline.yml"))));
  EXPECT_NE(text_of(p).find("0.5"), std::string::npos);
}

TEST_F(PlanCacheTest, AChangedComponentFileIsAMiss) {
  bool hit = false;
  cached(&hit);
  std::string yml = dir_.path("train.yml");
  std::string text = read_file(yml);
  dir_.write("train.yml", text + "description: changed\n");
  PipelineSpec p = cached(&hit);
  EXPECT_FALSE(hit);
  EXPECT_EQ(text_of(p), text_of(load_pipeline_yaml(dir_.path("pipeline.yml"))));
}

TEST_F(PlanCacheTest, ARemovedCodeFolderOrInputIsTheLoadersErrorAgain) {
  bool hit = false;
  cached(&hit);
  fs::remove_all(dir_.path("src"));
  std::string err = testing_spec::invalid_argument_of([&] { cached(&hit); });
  EXPECT_NE(err.find("code folder"), std::string::npos) << err;
  dir_.mkdir("src");
  cached(&hit);
  fs::remove_all(dir_.path("data"));
  dir_.write("data", "now a file\n");  // a folder input that became a file
  err = testing_spec::invalid_argument_of([&] { cached(&hit); });
  EXPECT_NE(err.find("is a file but the input has type uri_folder"), std::string::npos) << err;
}

TEST_F(PlanCacheTest, ADamagedEntryIsAMissNotAnError) {
  bool hit = false;
  cached(&hit);
  int damaged = 0;
  for (const auto& e : fs::directory_iterator(dir_.path("cache"))) {
    dir_.write(fs::relative(e.path(), dir_.path()).string(), "{\"format\": 1, \"spec\": [");
    ++damaged;
  }
  ASSERT_EQ(damaged, 1);
  PipelineSpec p = cached(&hit);
  EXPECT_FALSE(hit);
  EXPECT_EQ(text_of(p), text_of(load_pipeline_yaml(dir_.path("pipeline.yml"))));
  cached(&hit);
  EXPECT_TRUE(hit);  // rewritten
}

TEST_F(PlanCacheTest, BadYamlIsTheLoadersErrorAndNothingIsCached) {
  dir_.write("pipeline.yml", "type: pipeline\njobs:\n  a: {command: echo, bogus_key: 1}\n");
  bool hit = false;
  std::string err = testing_spec::invalid_argument_of([&] { cached(&hit); });
  EXPECT_NE(err.find("pipeline.yml:3"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir_.path("cache")) && !fs::is_empty(dir_.path("cache")));
}

TEST_F(PlanCacheTest, RegisteredComponentsAreNeverCached) {
  dir_.write("pipeline.yml",
             "type: pipeline\njobs:\n  a: {component: 'azureml:train:1', inputs: {rows: "
             "{type: uri_folder, path: ./data}}}\n");
  int lookups = 0;
  internal::ScopedComponentLookup scope([&](const std::string&, const std::string&) {
    ++lookups;
    return dir_.path("train.yml");
  });
  bool hit = true;
  cached(&hit);
  EXPECT_FALSE(hit);
  cached(&hit);
  EXPECT_FALSE(hit);  // the registry may have changed: looked up again
  EXPECT_EQ(lookups, 2);
}

}  // namespace
}  // namespace runnel

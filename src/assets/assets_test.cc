// Registered components and data assets: versions, immutability, @latest, archive, --set,
// and the pipeline loader's azureml: component references.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "assets/component_registry.h"
#include "assets/data_asset.h"
#include "core/fs.h"
#include "data/asset_archive.h"
#include "data/data_test_util.h"
#include "data/registry.h"
#include "runnel/error.h"
#include "spec/yaml_loader.h"

namespace runnel::assets {
namespace {

using testing::TempWorkspace;

void put(const std::string& path, const std::string& text) {
  make_dirs(std::filesystem::path(path).parent_path().string());
  write_file_atomic(path, text);
}

class AssetsTest : public ::testing::Test {
 protected:
  // A component file with code in ./src, in a folder outside the workspace's datastores.
  std::string component(const std::string& version, const std::string& script = "print('hi')",
                        const std::string& extra = "") {
    std::string dir = tw_.dir() + "/proj";
    make_dirs(dir + "/src");
    put(dir + "/src/train.py", script + "\n");
    std::string yml = dir + "/train.yml";
    put(yml,
        "$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json\n"
        "name: train\n" +
            (version.empty() ? std::string() : "version: " + version + "\n") +
            "type: command\n"
            "inputs:\n  lr: {type: number, default: 0.1}\n"
            "outputs:\n  model: {type: uri_folder}\n"
            "code: ./src\n"
            "command: python train.py --lr ${{inputs.lr}} --out ${{outputs.model}}\n" +
            extra);
    return yml;
  }
  std::string pipeline(const std::string& ref) {
    std::string p = tw_.dir() + "/proj/pipeline.yml";
    put(p, "type: pipeline\njobs:\n  train_job:\n    type: command\n    component: " + ref +
               "\n    inputs: {lr: 0.5}\n");
    return p;
  }
  TempWorkspace tw_;
};

TEST_F(AssetsTest, CreateIsVersionedAndImmutable) {
  auto r1 = create_component(tw_.ws(), component("1"), {});
  EXPECT_TRUE(r1.created);
  EXPECT_EQ(r1.component.version, "1");
  EXPECT_TRUE(path_exists(r1.component.dir + "/code/train.py"));  // code snapshotted
  // Same content again: a no-op.
  auto again = create_component(tw_.ws(), component("1"), {});
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.component.digest, r1.component.digest);
  // Other content under the same version: an error, and version 1 is unchanged.
  try {
    create_component(tw_.ws(), component("1", "print('changed')"), {});
    FAIL() << "expected already_exists";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kAlreadyExists);
    EXPECT_NE(std::string(e.what()).find("immutable"), std::string::npos);
  }
  EXPECT_EQ(read_file(get_component(tw_.ws(), "train", "1").dir + "/code/train.py"),
            "print('hi')\n");
  // No version: the next number.
  auto r2 = create_component(tw_.ws(), component("", "print('v2')"), {});
  EXPECT_TRUE(r2.created);
  EXPECT_EQ(r2.component.version, "2");
  ASSERT_EQ(component_versions(tw_.ws(), "train").size(), 2u);
}

TEST_F(AssetsTest, SetNameAndVersionOverrides) {
  Overrides o;
  o.sets = {"description=from the command line", "inputs.lr.default=0.3"};
  o.version = "7";
  auto r = create_component(tw_.ws(), component("1"), o);
  EXPECT_EQ(r.component.version, "7");
  EXPECT_EQ(r.component.description, "from the command line");
  EXPECT_NE(read_file(r.component.file).find("0.3"), std::string::npos);
  o = {};
  o.name = "train_copy";
  EXPECT_EQ(create_component(tw_.ws(), component("1"), o).component.name, "train_copy");
  o = {};
  o.sets = {"novalue"};
  EXPECT_THROW(create_component(tw_.ws(), component("1"), o), Error);
  // An override that breaks the component is refused.
  o.sets = {"command="};
  EXPECT_THROW(create_component(tw_.ws(), component("9"), o), Error);
}

TEST_F(AssetsTest, LatestSkipsArchivedAndExplicitVersionStillResolves) {
  create_component(tw_.ws(), component("1"), {});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  create_component(tw_.ws(), component("2", "print('two')"), {});
  EXPECT_EQ(get_component(tw_.ws(), "train", "").version, "2");
  archive_component(tw_.ws(), "train", "2", true);
  EXPECT_EQ(get_component(tw_.ws(), "train", "").version, "1");
  EXPECT_TRUE(get_component(tw_.ws(), "train", "2").archived);  // still resolvable by version
  ASSERT_EQ(list_components(tw_.ws(), false).size(), 1u);
  EXPECT_EQ(list_components(tw_.ws(), false)[0].version, "1");
  archive_component(tw_.ws(), "train", "", true);
  EXPECT_TRUE(list_components(tw_.ws(), false).empty());
  EXPECT_THROW(get_component(tw_.ws(), "train", ""), Error);
  archive_component(tw_.ws(), "train", "2", false);
  EXPECT_EQ(get_component(tw_.ws(), "train", "").version, "2");
  EXPECT_THROW(get_component(tw_.ws(), "train", "3"), Error);
  EXPECT_THROW(get_component(tw_.ws(), "nope", ""), Error);
}

TEST_F(AssetsTest, PipelineUsesRegisteredComponents) {
  create_component(tw_.ws(), component("1"), {});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  create_component(tw_.ws(), component("2", "print('two')"), {});
  auto scope = use_registered_components(tw_.ws());
  PipelineSpec p1 = load_pipeline_yaml(pipeline("azureml:train:1"));
  ASSERT_EQ(p1.steps.size(), 1u);
  EXPECT_EQ(p1.steps[0].code_dir, get_component(tw_.ws(), "train", "1").dir + "/code");
  EXPECT_EQ(p1.steps[0].inputs[0].source->value, "0.5");
  PipelineSpec latest = load_pipeline_yaml(pipeline("azureml:train@latest"));
  EXPECT_EQ(latest.steps[0].code_dir, get_component(tw_.ws(), "train", "2").dir + "/code");
  PipelineSpec uri =
      load_pipeline_yaml(pipeline("azureml://registries/r/components/train/versions/1"));
  EXPECT_EQ(uri.steps[0].code_dir, p1.steps[0].code_dir);
  try {
    load_pipeline_yaml(pipeline("azureml:train:5"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("pipeline.yml:5:"), std::string::npos) << m;  // file:line of component:
    EXPECT_NE(m.find("no version '5'"), std::string::npos) << m;
  }
}

TEST(AssetsNoWorkspace, RegisteredComponentWithoutLookupSaysWhy) {
  TempWorkspace tw;
  std::string p = tw.dir() + "/p.yml";
  put(p, "type: pipeline\njobs:\n  a:\n    component: azureml:x:1\n");
  try {
    load_pipeline_yaml(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs a workspace"), std::string::npos) << e.what();
  }
}

TEST_F(AssetsTest, DataAssetsVersionsAndArchive) {
  std::string dir = tw_.dir() + "/proj";
  put(dir + "/data/a.csv", "x\n1\n");
  put(dir + "/data.yml", "name: raw\nversion: 1\ntype: uri_folder\npath: ./data\n");
  auto r = create_data_asset(tw_.ws(), dir + "/data.yml", {});
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.files, 1u);
  EXPECT_FALSE(create_data_asset(tw_.ws(), dir + "/data.yml", {}).created);  // same: no-op
  put(dir + "/data/b.csv", "x\n2\n");
  EXPECT_THROW(create_data_asset(tw_.ws(), dir + "/data.yml", {}), Error);  // v1 is immutable
  Overrides o;
  o.version = "2";
  EXPECT_EQ(create_data_asset(tw_.ws(), dir + "/data.yml", o).version, 2);
  EXPECT_EQ(internal::load_state(tw_.ws(), "raw", 0)->version, 2);
  internal::set_archived(tw_.ws(), "data", "raw", "2", true);
  EXPECT_EQ(internal::load_state(tw_.ws(), "raw", 0)->version, 1);  // @latest skips archived
  EXPECT_EQ(internal::load_state(tw_.ws(), "raw", 2)->version, 2);  // explicit still works
  EXPECT_EQ(internal::load_state(tw_.ws(), "raw", 1)->asset_type, "uri_folder");
  // Bad input names the problem.
  put(dir + "/bad.yml", "name: raw\nversion: v1\npath: ./data\n");
  EXPECT_THROW(create_data_asset(tw_.ws(), dir + "/bad.yml", {}), Error);
  put(dir + "/bad2.yml", "name: raw\ntype: uri_file\npath: ./data\n");
  EXPECT_THROW(create_data_asset(tw_.ws(), dir + "/bad2.yml", {}), Error);
}

TEST_F(AssetsTest, MltableAssetNeedsItsMltableFile) {
  std::string dir = tw_.dir() + "/proj";
  put(dir + "/tbl/iris.csv", "a,b\n1,2\n");
  put(dir + "/tbl.yml", "name: iris\ntype: mltable\npath: ./tbl\n");
  EXPECT_THROW(create_data_asset(tw_.ws(), dir + "/tbl.yml", {}), Error);  // no MLTable
  put(dir + "/tbl/MLTable", "paths:\n  - file: ./missing.csv\n");
  try {
    create_data_asset(tw_.ws(), dir + "/tbl.yml", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.csv"), std::string::npos) << e.what();
  }
  put(dir + "/tbl/MLTable",
      "paths:\n  - file: ./iris.csv\ntransformations:\n  - read_delimited: {delimiter: ','}\n");
  auto r = create_data_asset(tw_.ws(), dir + "/tbl.yml", {});
  EXPECT_EQ(r.type, "mltable");
  EXPECT_EQ(r.files, 2u);  // MLTable + iris.csv
}

}  // namespace
}  // namespace runnel::assets

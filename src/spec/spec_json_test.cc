#include "spec/spec_json.h"

#include <gtest/gtest.h>

#include "runnel/error.h"

namespace runnel {
namespace {

PipelineSpec sample() {
  PipelineSpec p;
  p.name = "pipe";
  p.display_name = "Pipe";
  p.description = "d";
  p.experiment_name = "exp";
  p.default_compute = "slurm";
  p.default_datastore = "ds";
  p.continue_on_step_failure = true;
  p.force_rerun = true;
  p.tags = {{"k", "v"}};
  p.source_file = "/w/p.yml";
  p.base_dir = "/w";
  StepSpec a;
  a.name = "a";
  a.display_name = "A";
  a.kind = "python_script";
  a.command = "python a.py ${{inputs.x}} ${{outputs.o}}";
  a.code_dir = "/w/src";
  a.environment = "sk";
  a.compute = "local";
  StepInput x;
  x.name = "x";
  x.type = DataType::kUriFile;
  x.mode = InputMode::kDownload;
  x.optional = true;
  x.source = InputSource{InputSource::Kind::kDataset, "", "", "", "", "", "iris", "2"};
  x.loc = {"/w/p.yml", 4, 7};
  a.inputs.push_back(x);
  StepInput lit;
  lit.name = "n";
  lit.type = DataType::kInteger;
  lit.source = InputSource{};
  lit.source->value = "5";
  a.inputs.push_back(lit);
  StepInput table;  // another step's output read as a tabular dataset
  table.name = "t";
  table.type = DataType::kUriFolder;
  table.mode = InputMode::kDirect;
  table.source = InputSource{InputSource::Kind::kStepOutput, "", "", "prep", "out", "", "", ""};
  table.as_dataset = OutputDatasetRead{OutputDatasetRead::Format::kParquet,
                                       "**/*.parquet",
                                       ";",
                                       "no_headers",
                                       true,
                                       "{year}/*.parquet",
                                       {{"n", "integer"}},
                                       true,
                                       {"a"},
                                       {"b"},
                                       {{0.7, 11, 0}, {0.5, 4294967295, 1}}};
  a.inputs.push_back(table);
  StepInput unset;
  unset.name = "u";
  unset.optional = true;
  a.inputs.push_back(unset);
  StepOutput o;
  o.name = "o";
  o.type = DataType::kMltable;
  o.mode = OutputMode::kUpload;
  o.datastore = "blob";
  o.path = "x/y";
  o.pipeline_output = "po";
  a.outputs.push_back(o);
  a.run_after = {"z"};
  a.params = {{"p", "1"}};
  a.env_vars = {{"E", "2"}};
  a.tags = {{"kind", "prep"}};
  a.allow_reuse = false;
  a.hash_paths = {"/w/extra"};
  a.destinations = {{"s3out", "copied/back"}};
  a.resources = {2, 2048, 1, 60, 3};
  a.distribution = {"tensorflow", 1, 3, 2};
  a.parallel_workers = 6;
  a.max_retries = 4;
  a.timeout_s = 99;
  a.loc = {"/w/p.yml", 3, 3};
  a.key_locs = {{"command", {"/w/p.yml", 5, 14}}};
  p.steps.push_back(a);
  PipelineOutputSpec po;
  po.name = "po";
  po.type = DataType::kMltable;
  po.step = "a";
  po.output = "o";
  po.datastore = "blob";
  po.path = "x/y";
  po.loc = {"/w/p.yml", 2, 3};
  p.outputs.push_back(po);
  return p;
}

TEST(SpecJson, RoundTripIsLossless) {
  PipelineSpec p = sample();
  nlohmann::json j = spec_to_json(p);
  EXPECT_EQ(j["format"], 1);
  EXPECT_EQ(j["steps"][0]["inputs"][0]["type"], "uri_file");
  PipelineSpec q = spec_from_json(j);
  EXPECT_EQ(spec_to_json(q), j);
  // Spot-check fields a bug in both directions would hide.
  const StepSpec& a = q.steps.at(0);
  EXPECT_EQ(a.kind, "python_script");
  EXPECT_EQ(a.inputs[0].source->kind, InputSource::Kind::kDataset);
  EXPECT_EQ(a.inputs[0].source->version, "2");
  EXPECT_EQ(a.inputs[0].mode, InputMode::kDownload);
  EXPECT_EQ(a.inputs[1].source->value, "5");
  ASSERT_TRUE(a.inputs[2].as_dataset.has_value());
  EXPECT_EQ(*a.inputs[2].as_dataset, *p.steps[0].inputs[2].as_dataset);
  EXPECT_FALSE(a.inputs[0].as_dataset.has_value());
  EXPECT_FALSE(a.inputs[3].source.has_value());
  EXPECT_EQ(a.outputs[0].mode, OutputMode::kUpload);
  EXPECT_EQ(a.resources.memory_mb, 2048);
  EXPECT_EQ(a.resources.nodes, 3);
  EXPECT_EQ(a.distribution, (Distribution{"tensorflow", 1, 3, 2}));
  EXPECT_EQ(a.parallel_workers, 6);
  EXPECT_EQ(a.key_locs.at("command").column, 14);
  EXPECT_FALSE(a.allow_reuse);
  EXPECT_EQ(a.destinations, (std::vector<DatastoreDestination>{{"s3out", "copied/back"}}));
  EXPECT_EQ(q.outputs.at(0).loc.line, 2);
  EXPECT_TRUE(q.force_rerun);
  EXPECT_EQ(q.tags.at("k"), "v");
}

TEST(SpecJson, SurvivesTextSerialization) {
  nlohmann::json j = spec_to_json(sample());
  EXPECT_EQ(spec_to_json(spec_from_json(nlohmann::json::parse(j.dump()))), j);
}

// The run record's text is written without the JSON value: it must be the value's dump,
// byte for byte, for every kind of field (escapes, non-ASCII text, locations in other files,
// parameters, environment_curated, a pipeline built in C++ with no file).
TEST(SpecJson, TextIsTheDumpOfTheValue) {
  PipelineSpec p = sample();
  EXPECT_EQ(spec_to_json_text(p), spec_to_json(p).dump());
  p.steps[0].command = "echo \"q\" \\ \t tab\n line é 日本 \x01";
  p.steps[0].environment_curated = true;
  p.steps[0].key_locs["inputs.x"] = {"/w/component.yml", 9, 1};  // another file
  p.steps[0].params["k\"ey"] = "v";
  p.steps[0].inputs[0].source->parameter = "lr";
  p.steps[0].outputs[0].register_name = "reg";
  p.steps[0].outputs[0].register_tags = {{"a", "b"}};
  p.steps[0].outputs[0].register_tabular = true;
  p.steps[0].outputs[0].register_model_type = "mlflow_model";
  p.steps[0].outputs[0].register_version = "5";
  p.steps[0].destinations = {{"blob", "copied/x"}, {"s3", ""}};
  OutputDatasetRead read;
  read.set_column_types = {{"a", "integer"}};
  read.keep_columns = {"a"};
  read.random_splits = {{0.25, 7, 1}};
  p.steps[0].inputs[0].as_dataset = read;
  PipelineParameterSpec pp;
  pp.name = "lr";
  pp.type = DataType::kNumber;
  pp.default_value.value = "0.1";
  pp.loc = {"/w/p.yml", 8, 3};
  p.parameters.push_back(pp);
  p.default_compute_loc = {"/w/p.yml", 2, 20};
  p.finalize_steps = {"s\"1", "fin"};  // written only when set
  p.steps.push_back(StepSpec{});       // every field at its default
  EXPECT_EQ(spec_to_json_text(p), spec_to_json(p).dump());
  PipelineSpec cpp;  // built in C++: no source file, empty locations
  StepSpec only;
  only.name = "only";
  only.command = "echo";
  cpp.steps.push_back(only);
  EXPECT_EQ(spec_to_json_text(cpp), spec_to_json(cpp).dump());
  EXPECT_EQ(spec_to_json(spec_from_json(nlohmann::json::parse(spec_to_json_text(p)))),
            spec_to_json(p));
}

TEST(SpecJson, BadJsonIsInvalidArgument) {
  EXPECT_THROW(spec_from_json(nlohmann::json::array()), Error);
  nlohmann::json j = spec_to_json(sample());
  j["steps"][0]["inputs"][0]["type"] = "folder";
  try {
    spec_from_json(j);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'folder'"), std::string::npos);
  }
  j = spec_to_json(sample());
  j["steps"][0]["max_retries"] = "many";
  EXPECT_THROW(spec_from_json(j), Error);
}

}  // namespace
}  // namespace runnel

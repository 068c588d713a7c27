// Hostile-input tests of the YAML loader: sizes, encodings, alias bombs and special files
// are refused quickly, with file:line where there is one, and never crash.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>

#include "runnel/error.h"
#include "spec/spec_test_util.h"
#include "spec/yaml_loader.h"

namespace runnel {
namespace {

class LoaderBounds : public ::testing::Test {
 protected:
  void SetUp() override { dir_.mkdir("data"); }

  std::string error_of(const std::string& yaml) {
    return testing_spec::invalid_argument_of(
        [&] { load_pipeline_yaml_string(yaml, dir_.path("pipeline.yml")); });
  }

  std::string file_error_of(const std::string& path) {
    return testing_spec::invalid_argument_of([&] { load_pipeline_yaml(path); });
  }

  PipelineSpec one_input(const std::string& value) {
    return load_pipeline_yaml_string(
        "type: pipeline\njobs:\n  a:\n    command: echo ${{inputs.d}}\n    inputs:\n      d: " +
            value + "\n",
        dir_.path("pipeline.yml"));
  }

  testing_spec::TempDir dir_;
};

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

TEST_F(LoaderBounds, HugeLocalDataPathIsAnErrorNotACrash) {
  std::string path(200'000, 'x');
  std::string msg = error_of(
      "type: pipeline\njobs:\n  a:\n    command: echo ${{inputs.d}}\n"
      "    inputs:\n      d: {type: uri_folder, path: ./" +
      path + "}\n");
  EXPECT_NE(msg.find("pipeline.yml:6:"), std::string::npos) << msg.substr(0, 200);
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg.substr(0, 200);
}

TEST_F(LoaderBounds, HugeDatastorePathLoads) {
  std::string tail(100'000, 'p');
  PipelineSpec p =
      one_input("{type: uri_folder, path: azureml://datastores/ds/paths/" + tail + "}");
  const InputSource& src = *p.steps[0].inputs[0].source;
  EXPECT_EQ(src.kind, InputSource::Kind::kDatastorePath);
  EXPECT_EQ(src.datastore, "ds");
  EXPECT_EQ(src.path, tail);
}

TEST_F(LoaderBounds, HugeBindingAndLiteralAreErrors) {
  std::string big(100'000, 'n');
  std::string msg = error_of(
      "type: pipeline\njobs:\n  a:\n    command: echo ${{inputs.d}}\n"
      "    inputs:\n      d: ${{parent.inputs." +
      big + "}}\n");
  EXPECT_NE(msg.find("pipeline.yml:6:"), std::string::npos) << msg.substr(0, 200);
  EXPECT_NE(msg.find("has no input"), std::string::npos) << msg.substr(0, 200);
  std::string digits(100'000, '7');
  PipelineSpec p = one_input(digits);
  EXPECT_EQ(p.steps[0].inputs[0].type, DataType::kInteger);
}

TEST_F(LoaderBounds, ReferenceFormsAsAzureWritesThem) {
  auto src = [&](const std::string& v) { return *one_input(v).steps[0].inputs[0].source; };
  InputSource s =
      src("{type: uri_folder, path: "
          "azureml://subscriptions/s/resourcegroups/r/workspaces/w/datastores/blob/paths/a/b/}");
  EXPECT_EQ(s.kind, InputSource::Kind::kDatastorePath);
  EXPECT_EQ(s.datastore, "blob");
  EXPECT_EQ(s.path, "a/b/");
  s = src("{type: uri_folder, path: azureml://locations/l/workspaces/w/data/mydata/versions/3}");
  EXPECT_EQ(s.kind, InputSource::Kind::kDataset);
  EXPECT_EQ(s.dataset, "mydata");
  EXPECT_EQ(s.version, "3");
  s = src("{type: uri_folder, path: azureml://data/d2/labels/latest/}");
  EXPECT_EQ(s.dataset, "d2");
  EXPECT_EQ(s.version, "");
  EXPECT_NE(error_of("type: pipeline\njobs:\n  a:\n    command: echo ${{inputs.d}}\n    inputs:\n"
                     "      d: {type: uri_folder, path: 'azureml://datastores//paths/x'}\n")
                .find("unsupported azureml:// reference"),
            std::string::npos);
  EXPECT_NE(error_of("type: pipeline\njobs:\n  a:\n    command: echo ${{inputs.d}}\n    inputs:\n"
                     "      d: {type: uri_folder, path: 's3://bucket/x'}\n")
                .find("'s3://' paths are not supported"),
            std::string::npos);
}

TEST_F(LoaderBounds, BindingForms) {
  PipelineSpec p = load_pipeline_yaml_string(R"(type: pipeline
inputs:
  lr: 0.1
jobs:
  up.stage:
    command: echo > ${{outputs.o}}
    outputs: {o: {type: uri_folder}}
  b:
    command: echo ${{inputs.x}} ${{inputs.lr}}
    inputs:
      x: "  ${{ parent.jobs.up.stage.outputs.o }} "
      lr: ${{parent.inputs.lr}}
)",
                                             dir_.path("pipeline.yml"));
  const StepSpec& b = p.steps[1];
  EXPECT_EQ(b.inputs[0].source->kind, InputSource::Kind::kStepOutput);
  EXPECT_EQ(b.inputs[0].source->step, "up.stage");
  EXPECT_EQ(b.inputs[0].source->output, "o");
  EXPECT_EQ(b.inputs[1].source->value, "0.1");
  EXPECT_NE(error_of("type: pipeline\njobs:\n  a:\n    command: echo ${{inputs.d}}\n    inputs:\n"
                     "      d: ${{parent.inputs.x}}}\n")
                .find("mixes a ${{...}} binding"),
            std::string::npos);
  EXPECT_NE(error_of("type: pipeline\njobs:\n  a:\n    command: echo ${{inputs.d}}\n    inputs:\n"
                     "      d: ${{parent.jobs..outputs.o}}\n")
                .find("is not a binding runnel understands"),
            std::string::npos);
}

TEST_F(LoaderBounds, NonUtf8ByteNamesLineColumnAndByte) {
  std::string msg = error_of("type: pipeline\njobs:\n  a:\n    command: echo caf\xE9\n");
  EXPECT_EQ(msg, dir_.path("pipeline.yml") +
                     ":4:22: YAML text: byte 0xE9 is not valid UTF-8; save the file as UTF-8 (a "
                     "Latin-1 or Windows-1252 editor setting writes such bytes)");
  // Valid multi-byte text is accepted; overlong forms and surrogates are not.
  EXPECT_EQ(
      error_of("type: pipeline\njobs:\n  a:\n    command: echo caf\xC3\xA9 \xF0\x9F\x98\x80\n"),
      "");
  EXPECT_NE(error_of("type: pipeline\njobs:\n  a:\n    command: echo \xC0\xAF\n").find("0xC0"),
            std::string::npos);
  EXPECT_NE(error_of("type: pipeline\njobs:\n  a:\n    command: echo \xED\xA0\x80\n").find("0xED"),
            std::string::npos);
  EXPECT_NE(error_of("type: pipeline\njobs:\n  a:\n    command: echo \xE2\x82\n").find(":4:"),
            std::string::npos);
}

TEST_F(LoaderBounds, AliasBombIsRefusedQuickly) {
  std::string y = "type: pipeline\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    y += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int k = 0; k < 9; ++k) y += ", " + prev;
    y += "]\n";
  }
  y += "jobs:\n  a: {command: echo}\n";
  auto t0 = Clock::now();
  std::string msg = error_of(y);
  EXPECT_LT(seconds_since(t0), 2.0);
  EXPECT_NE(msg.find("aliases (*name) expand the document"), std::string::npos) << msg;
  EXPECT_NE(msg.find("pipeline.yml:"), std::string::npos) << msg;
}

TEST_F(LoaderBounds, MergeKeyBombIsRefusedQuickly) {
  std::string y = "type: pipeline\nm0: &m0 {k: v}\n";
  for (int i = 1; i < 40; ++i) {
    std::string prev = "*m" + std::to_string(i - 1);
    y += "m" + std::to_string(i) + ": &m" + std::to_string(i) + " {<<: [" + prev + ", " + prev +
         "], k" + std::to_string(i) + ": v}\n";
  }
  y += "jobs:\n  a:\n    <<: *m39\n    command: echo\n";
  auto t0 = Clock::now();
  std::string msg = error_of(y);
  EXPECT_LT(seconds_since(t0), 2.0);
  EXPECT_NE(msg.find("aliases (*name) expand"), std::string::npos) << msg;
}

TEST_F(LoaderBounds, ModestAliasesStillWork) {
  PipelineSpec p = load_pipeline_yaml_string(R"(type: pipeline
jobs:
  a: {command: echo a, environment_variables: &env {FOO: "1"}}
  b: {command: echo b, environment_variables: *env}
)",
                                             dir_.path("pipeline.yml"));
  EXPECT_EQ(p.steps[1].env_vars.at("FOO"), "1");
}

TEST_F(LoaderBounds, DeepNestingIsAnError) {
  std::string y = "type: pipeline\ntags: " + std::string(1000, '[') + std::string(1000, ']') +
                  "\njobs:\n  a: {command: echo}\n";
  std::string msg = error_of(y);
  EXPECT_NE(msg.find("pipeline.yml:2:"), std::string::npos) << msg;
}

TEST_F(LoaderBounds, SpecialFilesAreRefusedWithoutBlocking) {
  std::string fifo = dir_.path("p.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(file_error_of(fifo),
            fifo +
                ": is a FIFO (named pipe), not a YAML file; give the path of a regular .yml "
                "file");
  EXPECT_NE(file_error_of("/dev/zero").find("is a character device"), std::string::npos);
  EXPECT_NE(file_error_of(dir_.path("data")).find("is a folder"), std::string::npos);
  EXPECT_NE(file_error_of(dir_.path("nope.yml")).find("no such file"), std::string::npos);
}

TEST_F(LoaderBounds, SizeLimitIsEnforcedAndOverridable) {
  std::string y =
      "type: pipeline\njobs:\n  a: {command: echo}\n# " + std::string(2 << 20, 'x') + "\n";
  dir_.write("big.yml", y);
  ::setenv("RUNNEL_MAX_YAML_MB", "1", 1);
  std::string msg = file_error_of(dir_.path("big.yml"));
  EXPECT_NE(msg.find("is larger than 1 MiB"), std::string::npos) << msg;
  EXPECT_NE(msg.find("RUNNEL_MAX_YAML_MB"), std::string::npos) << msg;
  ::setenv("RUNNEL_MAX_YAML_MB", "3", 1);
  EXPECT_EQ(file_error_of(dir_.path("big.yml")), "");
  ::unsetenv("RUNNEL_MAX_YAML_MB");
}

TEST_F(LoaderBounds, ComponentFileThatIsAFifoIsAnError) {
  std::string fifo = dir_.path("comp.yml");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string msg = error_of("type: pipeline\njobs:\n  a:\n    component: ./comp.yml\n");
  EXPECT_NE(msg.find("pipeline.yml:4:16: jobs.a.component: component file: "), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("is a FIFO"), std::string::npos) << msg;
}

TEST_F(LoaderBounds, DefaultComputeKeepsItsLine) {
  PipelineSpec p = load_pipeline_yaml_string(
      "type: pipeline\nsettings:\n  default_compute: azureml:gpu\njobs:\n  a: {command: echo}\n",
      dir_.path("pipeline.yml"));
  EXPECT_EQ(p.default_compute, "gpu");
  EXPECT_EQ(p.default_compute_where(),
            dir_.path("pipeline.yml") + ":3:20: settings.default_compute");
  p = load_pipeline_yaml_string("type: pipeline\ncompute: c1\njobs:\n  a: {command: echo}\n",
                                dir_.path("pipeline.yml"));
  EXPECT_EQ(p.default_compute_where(), dir_.path("pipeline.yml") + ":2:10: compute");
  PipelineSpec cpp;
  EXPECT_EQ(cpp.default_compute_where(), "<c++>: settings.default_compute");
}

}  // namespace
}  // namespace runnel

#include "spec/validate.h"

#include <gtest/gtest.h>

#include "runnel/error.h"

namespace runnel {
namespace {

StepSpec step(const std::string& name, const std::string& command = "echo") {
  StepSpec s;
  s.name = name;
  s.command = command;
  return s;
}

StepOutput out(const std::string& name) {
  StepOutput o;
  o.name = name;
  return o;
}

StepInput from(const std::string& name, const std::string& step, const std::string& output) {
  StepInput in;
  in.name = name;
  in.type = DataType::kUriFolder;
  in.source = InputSource{};
  in.source->kind = InputSource::Kind::kStepOutput;
  in.source->step = step;
  in.source->output = output;
  return in;
}

// a -> b -> d, a -> c -> d, e alone.
PipelineSpec diamond() {
  PipelineSpec p;
  StepSpec a = step("a", "echo ${{outputs.o}}");
  a.outputs.push_back(out("o"));
  StepSpec b = step("b", "cp ${{inputs.x}} ${{outputs.o}}");
  b.inputs.push_back(from("x", "a", "o"));
  b.outputs.push_back(out("o"));
  StepSpec c = step("c");
  c.run_after = {"a"};
  StepSpec d = step("d", "cat ${{inputs.x}}");
  d.inputs.push_back(from("x", "b", "o"));
  d.run_after = {"c"};
  StepSpec e = step("e");
  p.steps = {d, e, c, b, a};  // declared out of order on purpose
  return p;
}

std::string error_of(const PipelineSpec& p) {
  try {
    validate_pipeline(p);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    return e.what();
  }
  return "";
}

void expect_error(const PipelineSpec& p, const std::string& part, const std::string& hint) {
  std::string m = error_of(p);
  EXPECT_NE(m.find(part), std::string::npos) << m;
  EXPECT_NE(m.find("; "), std::string::npos) << m;
  EXPECT_NE(m.find(hint), std::string::npos) << m;
}

TEST(Validate, AcceptsDiamond) { EXPECT_EQ(error_of(diamond()), ""); }

TEST(Validate, TopologicalOrderRespectsDependenciesThenDeclaration) {
  EXPECT_EQ(topological_order(diamond()), (std::vector<std::string>{"e", "a", "c", "b", "d"}));
}

TEST(Validate, UpstreamAndDownstream) {
  PipelineSpec p = diamond();
  EXPECT_EQ(upstream_of(p, "d"), (std::vector<std::string>{"a", "c", "b"}));
  EXPECT_EQ(downstream_of(p, "a"), (std::vector<std::string>{"c", "b", "d"}));
  EXPECT_TRUE(downstream_of(p, "e").empty());
  EXPECT_TRUE(upstream_of(p, "a").empty());
  EXPECT_THROW(downstream_of(p, "zz"), Error);
}

// A long chain with run_after edges too: every step below the head, in order.
TEST(Validate, UpstreamAndDownstreamOfALongChain) {
  PipelineSpec p;
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    StepSpec s = step("s" + std::to_string(i), "echo ${{outputs.o}}");
    s.outputs.push_back(out("o"));
    if (i % 2)
      s.inputs.push_back(from("x", "s" + std::to_string(i - 1), "o"));
    else if (i)
      s.run_after.push_back("s" + std::to_string(i - 1));
    p.steps.push_back(s);
  }
  std::vector<std::string> below, above;
  for (int i = 1; i < n; ++i) below.push_back("s" + std::to_string(i));
  for (int i = 0; i < n - 1; ++i) above.push_back("s" + std::to_string(i));
  EXPECT_EQ(downstream_of(p, "s0"), below);
  EXPECT_EQ(upstream_of(p, "s" + std::to_string(n - 1)), above);
  EXPECT_EQ(downstream_of(p, "s" + std::to_string(n - 2)),
            (std::vector<std::string>{"s" + std::to_string(n - 1)}));
}

TEST(Validate, Empty) { expect_error(PipelineSpec{}, "steps: the pipeline has no steps", "add"); }

TEST(Validate, DuplicateStepNames) {
  PipelineSpec p;
  p.steps = {step("a"), step("a")};
  expect_error(p, "two steps are named 'a'", "own name");
}

TEST(Validate, BadStepName) {
  PipelineSpec p;
  for (const char* bad : {"a//b", "/a", "a/", "a/../b", "./a", " a", "a ", "a /b", "a\tb", "a:b"}) {
    p.steps = {step(bad)};
    expect_error(p, std::string("steps.") + bad, "rename");
  }
  // Path-like names are the steps of pipeline components (train_pipeline/train_job).
  p.steps = {step("outer/inner.x/j-1")};
  validate_pipeline(p);
  // The SDK's step names may hold spaces ("Cleanse Green Taxi Data").
  p.steps = {step("Cleanse Green Taxi Data")};
  validate_pipeline(p);
}

TEST(Validate, UnknownUpstreamStepAndOutput) {
  PipelineSpec p = diamond();
  p.steps[0].inputs[0].source->step = "nope";
  expect_error(p, "steps.d.inputs.x: bound to the output of unknown step 'nope'", "existing step");
  p = diamond();
  p.steps[0].inputs[0].source->output = "nope";
  expect_error(p, "step 'b' has no output 'nope'", "declared outputs");
}

TEST(Validate, SelfDependency) {
  PipelineSpec p = diamond();
  p.steps[3].inputs[0].source->step = "b";
  expect_error(p, "reads its own output", "cannot depend on itself");
  p = diamond();
  p.steps[1].run_after = {"e"};
  expect_error(p, "runs after itself", "remove 'e'");
}

TEST(Validate, UndeclaredPlaceholder) {
  PipelineSpec p = diamond();
  p.steps[1].command = "echo ${{inputs.q}}";
  expect_error(p, "steps.e.command: ${{inputs.q}} names no declared input", "declare input 'q'");
  p.steps[1].command = "echo ${{outputs.q}}";
  expect_error(p, "${{outputs.q}} names no declared output", "declare output 'q'");
}

TEST(Validate, UnsetOptionalOutsideBlock) {
  PipelineSpec p = diamond();
  StepInput seed;
  seed.name = "seed";
  seed.type = DataType::kInteger;
  seed.optional = true;
  p.steps[1].inputs.push_back(seed);
  p.steps[1].command = "echo $[[--seed ${{inputs.seed}}]]";
  EXPECT_EQ(error_of(p), "");
  p.steps[1].command = "echo --seed ${{inputs.seed}}";
  expect_error(p, "optional input 'seed' is unset", "$[[ ... ]]");
  p.steps[1].inputs[0].optional = false;
  expect_error(p, "required input 'seed' has no value", "bind it");
}

TEST(Validate, LiteralTypes) {
  PipelineSpec p = diamond();
  StepInput n;
  n.name = "n";
  n.type = DataType::kInteger;
  n.source = InputSource{};
  n.source->value = "1.5";
  p.steps[1].inputs.push_back(n);
  expect_error(p, "'1.5' is not a whole number", "value of that type");
  p.steps[1].inputs[0].type = DataType::kNumber;
  EXPECT_EQ(error_of(p), "");
  p.steps[1].inputs[0].type = DataType::kUriFolder;
  expect_error(p, "holds the literal '1.5'", "bind it to a path");
}

TEST(Validate, RunAfterUnknown) {
  PipelineSpec p = diamond();
  p.steps[2].run_after = {"zz"};
  expect_error(p, "steps.c.run_after: no step is named 'zz'", "existing step");
}

TEST(Validate, CycleIsNamed) {
  PipelineSpec p = diamond();
  p.steps[4].run_after = {"d"};  // a after d
  std::string m = error_of(p);
  EXPECT_NE(m.find("the steps form a cycle: d -> b -> a -> d"), std::string::npos) << m;
  EXPECT_THROW(topological_order(p), Error);
}

TEST(Validate, DeepChainDeclaredLastFirstNeitherOverflowsNorMissesACycle) {
  // 200,000 steps, s_i after s_(i+1), declared s_0 first: a depth-first search that
  // recursed once per step overflowed the call stack here.
  const int n = 200000;
  PipelineSpec p;
  p.name = "deep";
  for (int i = 0; i < n; ++i) {
    StepSpec s;
    s.name = "s" + std::to_string(i);
    s.command = "true";
    if (i + 1 < n) s.run_after = {"s" + std::to_string(i + 1)};
    p.steps.push_back(std::move(s));
  }
  EXPECT_EQ(error_of(p), "");
  std::vector<std::string> order = topological_order(p);
  ASSERT_EQ(order.size(), static_cast<size_t>(n));
  EXPECT_EQ(order.front(), "s" + std::to_string(n - 1));
  EXPECT_EQ(order.back(), "s0");
  p.steps.back().run_after = {"s0"};  // closes the chain into a cycle
  EXPECT_NE(error_of(p).find("the steps form a cycle: s0 -> s1 -> s2"), std::string::npos);
}

TEST(Validate, DuplicateOutputsAndPaths) {
  PipelineSpec p = diamond();
  p.steps[4].outputs.push_back(out("o"));
  expect_error(p, "two outputs are named 'o'", "own name");
  p = diamond();
  p.steps[4].outputs[0].path = "models/x";
  p.steps[3].outputs[0].path = "models/x/sub";
  expect_error(p, "overlaps the path of", "own path");
  p.steps[3].outputs[0].datastore = "other";
  EXPECT_EQ(error_of(p), "");
}

TEST(Validate, PipelineOutputBoundTwice) {
  PipelineSpec p = diamond();
  p.steps[4].outputs[0].pipeline_output = "final";
  p.steps[3].outputs[0].pipeline_output = "final";
  expect_error(p, "pipeline output 'final' is already bound", "one step output");
}

TEST(Validate, YamlLocationsAreUsed) {
  PipelineSpec p = diamond();
  p.source_file = "/w/p.yml";
  p.steps[2].run_after = {"zz"};
  p.steps[2].key_locs["run_after"] = SourceLocation{"p.yml", 9, 16};
  std::string m = error_of(p);
  EXPECT_EQ(m.rfind("p.yml:9:16: jobs.c.run_after: ", 0), 0u) << m;
}

}  // namespace
}  // namespace runnel

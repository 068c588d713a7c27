// PipelineSpec::find_step against a plain scan by name, through the changes the loader and
// the C++ model make to `steps` (appends, renames in place, a step moved out and back).
#include "spec/pipeline_spec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace runnel {
namespace {

const StepSpec* scan(const PipelineSpec& p, const std::string& n) {
  for (const auto& s : p.steps)
    if (s.name == n) return &s;
  return nullptr;
}

void expect_same_as_scan(const PipelineSpec& p, const std::vector<std::string>& names) {
  for (const auto& n : names) EXPECT_EQ(p.find_step(n), scan(p, n)) << n;
}

StepSpec named(const std::string& n) {
  StepSpec s;
  s.name = n;
  return s;
}

TEST(FindStep, AgreesWithAScanAsStepsAreAppended) {
  PipelineSpec p;
  std::vector<std::string> names = {"missing"};
  for (int i = 0; i < 50; ++i) {
    names.push_back("s" + std::to_string(i));
    p.steps.push_back(named(names.back()));
    expect_same_as_scan(p, names);  // looked up while steps are still being added
  }
  expect_same_as_scan(p, {"s0", "s49", "s50", ""});
}

TEST(FindStep, AgreesWithAScanAfterRenamesAndMovesInPlace) {
  PipelineSpec p;
  for (int i = 0; i < 20; ++i) p.steps.push_back(named("s" + std::to_string(i)));
  ASSERT_EQ(p.find_step("s3"), &p.steps[3]);
  p.steps[3].name = "renamed";
  expect_same_as_scan(p, {"s3", "renamed", "s4"});
  // The loader's second pass: each step is moved out, the others looked up, then moved back.
  for (size_t i = 0; i < p.steps.size(); ++i) {
    StepSpec out = std::move(p.steps[i]);
    if (i > 0) {
      EXPECT_EQ(p.find_step(p.steps[i - 1].name), &p.steps[i - 1]);
    }
    if (i + 1 < p.steps.size()) {
      EXPECT_EQ(p.find_step(p.steps[i + 1].name), &p.steps[i + 1]);
    }
    p.steps[i] = std::move(out);
  }
  expect_same_as_scan(p, {"s0", "s3", "renamed", "s19", "nope"});
  p.steps.erase(p.steps.begin() + 5);  // fewer steps: the index is rebuilt
  expect_same_as_scan(p, {"s4", "s5", "s6", "s19"});
}

TEST(FindStep, ADuplicateNameFindsTheFirstAsAScanDoes) {
  PipelineSpec p;
  p.steps.push_back(named("a"));
  p.steps.push_back(named("b"));
  p.steps.push_back(named("a"));
  EXPECT_EQ(p.find_step("a"), &p.steps[0]);
  p.steps.push_back(named("b"));
  EXPECT_EQ(p.find_step("b"), &p.steps[1]);
}

}  // namespace
}  // namespace runnel

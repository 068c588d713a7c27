// bench/micro/scheduler_bench.cc: how many steps per second the engine dispatches when the
// steps themselves cost nothing.
//
// Each iteration submits a fresh pipeline of trivial steps to a fresh workspace and waits
// for it: validation, the run and step-run records, fingerprints and reuse lookups,
// preparing each step (working folder, context file, rendered command), launching it on the
// fake backend of testing/fake_backend.h, and committing its output folder. The fake ends
// each job in the same poll that reports it running (duration_ticks = 0) and never blocks,
// so what is left is the engine's own cost. Workspace creation and removal are not timed.
//
// Chain/1000     s0 -> s1 -> ... -> s999, each reading the previous step's folder output.
// FanOut/1000    one root and 999 steps that all read its output (fake capacity: 8).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench_util.h"
#include "engine/executor.h"
#include "exec/compute_backend.h"
#include "runnel/workspace.h"
#include "spec/pipeline_spec.h"
#include "testing/fake_backend.h"

namespace runnel::bench {
namespace {

constexpr int kFakeCapacity = 8;

StepSpec trivial_step(const std::string& name) {
  StepSpec s;
  s.name = name;
  s.command = "echo " + name + " > ${{outputs.out}}/o";
  StepOutput out;
  out.name = "out";
  out.type = DataType::kUriFolder;
  s.outputs.push_back(out);
  return s;
}

void read_output_of(StepSpec& s, const std::string& producer) {
  StepInput in;
  in.name = "a";
  in.type = DataType::kUriFolder;
  in.source =
      InputSource{.kind = InputSource::Kind::kStepOutput, .step = producer, .output = "out"};
  s.inputs.push_back(in);
}

PipelineSpec chain(int n) {
  PipelineSpec p;
  p.name = "bench_chain";
  for (int i = 0; i < n; ++i) {
    StepSpec s = trivial_step("s" + std::to_string(i));
    if (i > 0) read_output_of(s, "s" + std::to_string(i - 1));
    p.steps.push_back(std::move(s));
  }
  return p;
}

PipelineSpec fan_out(int n) {
  PipelineSpec p;
  p.name = "bench_fan_out";
  p.steps.push_back(trivial_step("root"));
  for (int i = 1; i < n; ++i) {
    StepSpec s = trivial_step("leaf" + std::to_string(i));
    read_output_of(s, "root");
    p.steps.push_back(std::move(s));
  }
  return p;
}

std::unique_ptr<ComputeBackend> make_fake(const std::string& /*compute*/, int /*max_parallel*/) {
  auto fake = std::make_unique<FakeBackend>(kFakeCapacity);
  fake->set_default_outcome({.duration_ticks = 0});
  return fake;
}

void run_pipelines(benchmark::State& state, PipelineSpec (*build)(int)) {
  const int n = static_cast<int>(state.range(0));
  const PipelineSpec spec = build(n);
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<TempDir>("sched");
    auto ws = std::make_unique<Workspace>(Workspace::create(dir->path() + "/ws"));
    PipelineSpec copy = spec;
    state.ResumeTiming();

    auto exec =
        PipelineExecution::submit(*ws, std::move(copy), ExecutionOptions{}, nullptr, make_fake);
    RunStatus status = exec->wait();

    state.PauseTiming();
    if (status != RunStatus::kFinished)
      state.SkipWithError((std::string("the run ended ") + to_string(status)).c_str());
    exec.reset();
    ws.reset();
    dir.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_SchedulerChain(benchmark::State& state) { run_pipelines(state, chain); }
BENCHMARK(BM_SchedulerChain)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

void BM_SchedulerFanOut(benchmark::State& state) { run_pipelines(state, fan_out); }
BENCHMARK(BM_SchedulerFanOut)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

}  // namespace
}  // namespace runnel::bench

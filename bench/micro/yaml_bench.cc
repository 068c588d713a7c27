// bench/micro/yaml_bench.cc: reading a large pipeline file.
//
// LoadPipelineYaml/N       load_pipeline_yaml (parse, resolve references, validate) and
//                          validate_pipeline again, on a generated chain of N command
//                          jobs, each reading the previous job's folder output.
// ValidatePipeline/N       validate_pipeline alone on the loaded spec (graph checks, cycle
//                          search, placeholder checks).
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>

#include "bench_util.h"
#include "runnel/error.h"
#include "spec/validate.h"
#include "spec/yaml_loader.h"

namespace runnel::bench {
namespace {

std::string job_name(int i) { return "step_" + std::to_string(i); }

// Writes the chain's pipeline.yml into `dir` and returns its path.
std::string write_chain_yaml(const std::string& dir, int n) {
  std::string path = dir + "/pipeline.yml";
  std::ofstream out(path);
  out << "$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json\n"
         "type: pipeline\n"
         "experiment_name: yaml_bench\n"
         "jobs:\n";
  for (int i = 0; i < n; ++i) {
    out << "  " << job_name(i) << ":\n"
        << "    type: command\n"
        << "    command: echo ${{inputs.a}} > ${{outputs.out}}/o\n"
        << "    inputs:\n";
    if (i == 0)
      out << "      a: start\n";
    else
      out << "      a: ${{parent.jobs." << job_name(i - 1) << ".outputs.out}}\n";
    out << "    outputs:\n"
        << "      out:\n"
        << "        type: uri_folder\n";
  }
  out.close();
  if (!out) throw io_error("cannot write " + path);
  return path;
}

void BM_LoadPipelineYaml(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  TempDir dir("yaml");
  const std::string path = write_chain_yaml(dir.path(), n);
  for (auto _ : state) {
    PipelineSpec p = load_pipeline_yaml(path);
    validate_pipeline(p);
    if (static_cast<int>(p.steps.size()) != n) state.SkipWithError("wrong number of steps");
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_LoadPipelineYaml)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

void BM_ValidatePipeline(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  TempDir dir("yaml");
  const PipelineSpec p = load_pipeline_yaml(write_chain_yaml(dir.path(), n));
  for (auto _ : state) validate_pipeline(p);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_ValidatePipeline)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5)
    ->UseRealTime();

}  // namespace
}  // namespace runnel::bench

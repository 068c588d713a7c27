// bench/micro/store_bench.cc: metadata writes per step (the engine records every step's
// creation and two status changes: Queued/Running, then the end).
//
// StepRunWrites/0   create_step_run + update_step_run x2 per step, each its own
//                   autocommit (WAL, synchronous=NORMAL).
// StepRunWrites/1   the same three writes for every step of a batch of 1,000 inside one
//                   transaction().
// OpenStore         open_sqlite_store on an existing database (every CLI command pays it).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench_util.h"
#include "core/ids.h"
#include "store/metadata_store.h"

namespace runnel::bench {
namespace {

constexpr int kBatch = 1000;

std::unique_ptr<MetadataStore> open_with_run(const std::string& dir, std::string* run_id) {
  auto store = open_sqlite_store(dir + "/metadata.db");
  store->ensure_experiment("bench");
  PipelineRunRecord run;
  run.id = new_pipeline_run_id();
  run.experiment = "bench";
  run.status = RunStatus::kRunning;
  run.created_at = now_ms();
  store->create_pipeline_run(run);
  *run_id = run.id;
  return store;
}

void write_steps(MetadataStore& store, const std::string& run_id, int n) {
  for (int i = 0; i < n; ++i) {
    StepRunRecord r;
    r.id = new_step_run_id();
    r.pipeline_run_id = run_id;
    r.name = "step_" + std::to_string(i);
    r.status = StepStatus::kNotStarted;
    r.compute = "local";
    r.run_dir = "/tmp/ws/.runnel/runs/" + r.id;
    r.created_at = now_ms();
    store.create_step_run(r);
    r.status = StepStatus::kRunning;
    r.backend_job_id = std::to_string(1000 + i);
    r.started_at = now_ms();
    store.update_step_run(r);
    r.status = StepStatus::kFinished;
    r.exit_code = 0;
    r.outputs["out"] = "/tmp/ws/datastore/runs/" + r.id + "/out";
    r.ended_at = now_ms();
    store.update_step_run(r);
  }
}

void BM_StepRunWrites(benchmark::State& state) {
  const bool in_transaction = state.range(0) != 0;
  TempDir dir("store");
  std::string run_id;
  auto store = open_with_run(dir.path(), &run_id);
  for (auto _ : state) {
    if (in_transaction)
      store->transaction([&] { write_steps(*store, run_id, kBatch); });
    else
      write_steps(*store, run_id, kBatch);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetLabel(in_transaction ? "one transaction per 1000 steps" : "autocommit");
}
BENCHMARK(BM_StepRunWrites)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

void BM_OpenStore(benchmark::State& state) {
  TempDir dir("store");
  std::string run_id;
  open_with_run(dir.path(), &run_id);
  for (auto _ : state) benchmark::DoNotOptimize(open_sqlite_store(dir.path() + "/metadata.db"));
}
BENCHMARK(BM_OpenStore)->Unit(benchmark::kMicrosecond)->Iterations(50)->UseRealTime();

}  // namespace
}  // namespace runnel::bench

// spec/yaml_init_finalize.h: a pipeline job's `settings.on_init` and `settings.on_finalize`
// (Azure ML v2 pipeline settings): the job named by on_init runs before every other job, the
// job named by on_finalize after every other job has ended, whatever happened to it.
//
// As in Azure ML, each names a job of the top-level `jobs:` (a pipeline job counts with all
// its inner steps) and that job must have no connection to any other job: it reads no other
// job's output and no job reads one of its outputs. The two must be different jobs.
//
// Applied after the jobs are read: every step outside both jobs gets the on_init job's steps
// in its run_after (so it waits for them, and is not started when they fail); every on_finalize
// step gets every step outside that job in its run_after (so it comes last in any order) and
// is listed in PipelineSpec::finalize_steps, which the engine starts once the others have
// ended, even after a failure.
//
// Internal to the spec subsystem. Throws runnel::invalid_argument "<file:line:col>:
// settings.on_init: <what is wrong>; <what to do>".
#pragma once

#include <string>

#include "spec/pipeline_spec.h"
#include "spec/yaml_pipeline_job.h"

namespace runnel::internal {

struct InitFinalizeSettings {
  std::string on_init;  // a top-level job name, "" = none
  SourceLocation on_init_loc;
  std::string on_finalize;
  SourceLocation on_finalize_loc;
};

void apply_init_finalize(const InitFinalizeSettings& s, const PipelineJobIndex& index,
                         PipelineSpec* p);

}  // namespace runnel::internal

// engine/reconcile.h: runs whose engine died (killed, machine crash) are closed, so they
// do not stay "Running" for ever. Finished step runs of such a run stay as they are, so a
// new run reuses them: a crashed engine loses no finished work.
// Thread-safe (uses the store's own serialization).
#pragma once

#include <sys/types.h>

#include <string>

#include "runnel/workspace.h"

namespace runnel {

// Marks every NotStarted/Running pipeline run of this host whose engine process is gone
// as Failed ("the runnel process that ran it is gone"), and its unfinished step runs as
// Failed (if they had started) or Canceled. An engine is "gone" when its pid is not
// alive with the start time it recorded (a reused pid does not count). Step processes the
// dead engine left behind are killed (process group), when their recorded pid and start
// time still match, and so are their containers (container_key); their
// `.staging/<step run id>` folders are removed. A step on a Slurm
// compute target is not killed: its job keeps running and its staging folder is kept; the
// step run is marked Failed with slurm_orphan_key(id) = the Slurm job id, so that the next
// run of the same step (same fingerprint; a restarted server's resumed run) re-attaches to
// the job instead of submitting it again. Returns how many runs were closed.
int reconcile_dead_runs(const Workspace& ws);

// "slurm_orphan:<step run id>": the Slurm job id of a step whose engine died while the job
// ran; "" once a run has re-attached to it.
std::string slurm_orphan_key(const std::string& step_run_id);

// The key/value entry that records a local step's process ("<pid> <start time>"), set
// when the step starts running, read by reconcile.
std::string process_key(const std::string& step_run_id);
std::string process_value(pid_t pid);

// "container:<step run id>": a local step that runs in a container (exec/container.h)
// records its runtime, binary and container name ({"runtime", "program", "name"} as JSON),
// so that reconcile removes the container when the step's engine died (its podman client
// dies with the engine; the container would not).
std::string container_key(const std::string& step_run_id);
std::string container_value(const std::string& runtime, const std::string& program,
                            const std::string& name);

}  // namespace runnel

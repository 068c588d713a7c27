// exec/container.h: a step's command run inside a container image (issue 16 #5).
//
// The engine decides that a step runs in an image (env/image.h: the policy, the image map,
// whether the image exists) and fills LaunchSpec::container; the backend turns the job's
// command into a container runtime's command line with container_command():
//
//   podman    (local)  podman run --rm --init --network host --name runnel-<id>
//                        --label runnel.job=<id> --log-driver passthrough --workdir WD
//                        -v P:P:ro ... -v Q:Q ... --env K=V ... ARGS... IMAGE /bin/sh -c CMD
//   apptainer (Slurm)  apptainer exec --pwd WD --bind P:P:ro,Q:Q ARGS... IMAGE /bin/sh -c CMD
//   enroot    (Slurm)  enroot start --mount P:P ... --env K ... ARGS... IMAGE /bin/sh -c CMD
//
// Every path is mounted at its own absolute path, so the paths in the command, the context
// file and the environment mean the same inside as outside. Mounts are ordered parents
// first (a writable folder under a read-only one is bound over it). `--log-driver
// passthrough` hands the container the job's own stdout/stderr descriptors: the step's
// output goes straight into its log files and podman keeps no copy. ARGS (the workspace's
// `environments.podman.args`, e.g. `--runtime runc --ulimit nofile=1024:1024`) come after
// runnel's own options, so that a later `--network none` or `--init=false` overrides them.
//
// A podman job's process is the podman client; the container itself runs under conmon,
// outside the job's process group. SIGTERM to the group reaches the client, which forwards
// it to the container's init (catatonit, from `--init`) and so to the step; a container
// whose client was killed (SIGKILL after the grace period, an engine that died) is removed
// by `cleanup` (`podman rm -f -t 0 --ignore runnel-<id>`), which the local backend runs
// before it reports the job's end (exec/local_backend.h).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "exec/compute_backend.h"

namespace runnel::internal {

struct ContainerCommand {
  std::string command;  // for /bin/sh -c, replacing LaunchSpec::command
  std::string cleanup;  // for /bin/sh -c after a stopped job ("" when nothing is left behind)
  std::string error;    // non-empty when the spec cannot run (unknown runtime, a bad path)
};

// The container command line for `spec` (spec.container.image must be non-empty). The
// variables of spec.env are passed into the container (podman: --env K=V; apptainer and
// enroot inherit them from the job script's exports). Does not throw.
ContainerCommand container_command(const LaunchSpec& spec);

// "runnel-<job id>" with characters podman refuses replaced by '_'.
std::string container_name(const std::string& job_id);

// `paths` made absolute-only, resolved (symlinks), deduplicated and with entries below
// another entry of the same list dropped; at most `max` entries (common ancestors are
// mounted instead of many siblings, never a top-level folder such as /tmp). Also the
// binds of exec/sandbox.h.
std::vector<std::string> mount_paths(const std::vector<std::string>& paths, size_t max = 64);

}  // namespace runnel::internal

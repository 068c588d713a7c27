// engine/backends.h: makes the compute backend for a compute target name.
//
// "local" always exists (slots = -j, else the number of cores). Other names are looked
// up in the workspace's compute registry: type "local" (max_nodes -> slots) or
// "slurm". Throws Error(kNotFound) for an unknown name, saying how to create it.
// Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "exec/compute_backend.h"
#include "runnel/workspace.h"

namespace runnel {

std::unique_ptr<ComputeBackend> make_backend(const Workspace& ws, const std::string& compute,
                                             int max_parallel);

}  // namespace runnel

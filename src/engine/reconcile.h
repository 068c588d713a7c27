// engine/reconcile.h: runs whose engine died (killed, machine crash) are closed, so they
// do not stay "Running" for ever. Finished step runs of such a run stay as they are, so a
// new run reuses them: a crashed engine loses no finished work.
// Thread-safe (uses the store's own serialization).
#pragma once

#include "runnel/workspace.h"

namespace runnel {

// Marks every NotStarted/Running pipeline run of this host whose engine process is gone
// as Failed ("the runnel process that ran it is gone"), and its unfinished step runs as
// Failed (if they had started) or Canceled. Returns how many runs were closed.
int reconcile_dead_runs(const Workspace& ws);

}  // namespace runnel

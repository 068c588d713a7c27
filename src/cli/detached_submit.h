// cli/detached_submit.h: start a runnel command line that outlives this process (`runnel
// job create` without --stream: the run goes on after the CLI returns and after its
// terminal closes). Single-threaded (the CLI's main thread).
#pragma once

#include <string>
#include <vector>

namespace runnel::cli {

// Starts this program (/proc/self/exe) with `args` (argv without the program name) in a new
// session (setsid: no controlling terminal, so neither Ctrl-C nor a closed terminal reaches
// it), stdin /dev/null, stdout and stderr appended to `log_path`, no other descriptors.
// Waits until the log says "Submitted PipelineRun <id>" and returns the id; the child goes
// on alone. When the child exits first (a bad file, a bad flag), copies its log to stderr
// and throws ExitWith{its exit code}. Throws Error(kIo) when the child cannot be started.
std::string submit_detached(const std::vector<std::string>& args, const std::string& log_path);

}  // namespace runnel::cli

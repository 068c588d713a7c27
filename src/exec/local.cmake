# The local compute backend (a pool of process slots on this machine) and the JobState names.
# Platform code is chosen here, not by #ifdef: process_posix.cc is the Linux/POSIX part.
runnel_add_library(runnel_exec
  SOURCES
    job_state.cc
    local_backend.cc
    process_posix.cc
    sandbox.cc
  DEPS runnel_core runnel_spec Threads::Threads)

runnel_add_test(exec_test SOURCES local_backend_test.cc DEPS runnel_exec)

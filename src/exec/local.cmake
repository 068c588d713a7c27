# The local compute backend (a pool of process slots on this machine) and the JobState names.
# Platform code is chosen here, not by #ifdef: process_posix.cc is the Linux/POSIX part.
# Container command lines (podman locally, apptainer/enroot on Slurm), used by both backends.
runnel_add_library(runnel_exec_container SOURCES container.cc DEPS runnel_core runnel_spec)
runnel_add_library(runnel_exec
  SOURCES
    job_state.cc
    local_backend.cc
    process_posix.cc
    sandbox.cc
  DEPS runnel_core runnel_spec runnel_exec_container Threads::Threads)

runnel_add_test(exec_test SOURCES local_backend_test.cc container_test.cc DEPS runnel_exec)

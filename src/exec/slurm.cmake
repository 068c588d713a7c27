# The Slurm compute backend (sbatch/squeue/scancel), its parsing helpers and its tests.
# The integration tests need a cluster: scripts/services/slurm-up.sh starts a local one.
runnel_add_library(runnel_exec_slurm
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/slurm_backend.cc
    ${CMAKE_CURRENT_LIST_DIR}/slurm_commands.cc
    ${CMAKE_CURRENT_LIST_DIR}/slurm_command_runner.cc
    ${CMAKE_CURRENT_LIST_DIR}/slurm_status.cc
  DEPS runnel_core runnel_spec runnel_exec_container)
runnel_add_test(slurm_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/slurm_commands_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/slurm_backend_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/slurm_cluster_test.cc
  DEPS runnel_exec_slurm)

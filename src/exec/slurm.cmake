# Filled in by the Slurm work: must define library runnel_exec_slurm.
add_library(runnel_exec_slurm INTERFACE)
target_link_libraries(runnel_exec_slurm INTERFACE runnel_exec)

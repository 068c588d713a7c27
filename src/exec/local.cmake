# Filled in by the local-backend work: must define library runnel_exec (local backend + job_state_name).
add_library(runnel_exec INTERFACE)
target_link_libraries(runnel_exec INTERFACE runnel_core runnel_spec)

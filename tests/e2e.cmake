# End-to-end tests: each tests/e2e/test_<x>.py is one ctest test `e2e_<x>`, run by
# /usr/bin/python3 against the built `runnel` binary, through tests/run_unittest.py so that
# skipped tests show as "Skipped" in ctest's summary (exit 77) and expected failures or
# unexpected successes fail.
#
# runnel_add_e2e(<x> [LABELS l...] [TIMEOUT s] [ENVIRONMENT k=v...])
function(runnel_add_e2e name)
  cmake_parse_arguments(A "" "TIMEOUT" "LABELS;ENVIRONMENT" ${ARGN})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 240)
  endif()
  add_test(NAME e2e_${name}
    COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/run_unittest.py
            ${PROJECT_SOURCE_DIR}/tests/e2e test_${name}.py)
  set_tests_properties(e2e_${name} PROPERTIES
    ENVIRONMENT "RUNNEL_BIN=${PROJECT_BINARY_DIR}/runnel;RUNNEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};RUNNEL_BINARY_DIR=${PROJECT_BINARY_DIR};PYTHONDONTWRITEBYTECODE=1;${A_ENVIRONMENT}"
    LABELS "e2e;${A_LABELS}"
    TIMEOUT ${A_TIMEOUT}
    SKIP_RETURN_CODE 77
    REQUIRED_FILES ${PROJECT_BINARY_DIR}/runnel)
endfunction()

foreach(_e2e_name bad_input failures demo cli retries v1_scripts reuse confinement units_cli distribution
                  job_cli single_jobs models)
  runnel_add_e2e(${_e2e_name})
endforeach()
unset(_e2e_name)
# A step that fills the disk (a workspace on a 24 MB tmpfs; needs root to mount, else a visible skip).
runnel_add_e2e(full_disk)
# Registered components and data assets (`runnel component|data create -f`), MLTable inputs, ModuleStep.
runnel_add_e2e(assets)
# Registered datasets with examples/datasets/: versions, reuse, changed files, bad inputs.
runnel_add_e2e(datasets)
# Slurm compute targets against a real cluster (scripts/services/slurm-up.sh starts one;
# scripts/test.sh does so before ctest and sets RUNNEL_TEST_SLURM=1, which turns a cluster
# that does not answer into a failure). Without RUNNEL_TEST_SLURM it is a visible skip.
runnel_add_e2e(slurm LABELS slurm)
set_tests_properties(e2e_slurm PROPERTIES RESOURCE_LOCK slurm_cluster RUN_SERIAL TRUE)
# A ParallelRunStep / parallel job on Slurm: one job array whose tasks pull the mini-batches.
runnel_add_e2e(slurm_parallel LABELS slurm)
set_tests_properties(e2e_slurm_parallel PROPERTIES RESOURCE_LOCK slurm_cluster RUN_SERIAL TRUE)
# The C++ SDK demo (examples/compare-models/compare_models.cc) run against a fresh workspace.
runnel_add_e2e(cpp_demo)
set_tests_properties(e2e_cpp_demo PROPERTIES REQUIRED_FILES "${PROJECT_BINARY_DIR}/runnel;${PROJECT_BINARY_DIR}/compare_models")
# Environments built with venv + pip from local wheels (offline); builds take a while.
runnel_add_e2e(environments TIMEOUT 600)
# Object-store datastores against Azurite and s3rver (started by the test through
# scripts/services/azurite-up.sh and s3-up.sh; exit 77 = skipped when they cannot start).
add_test(NAME e2e_objstore COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/e2e/test_objstore.py)
set_tests_properties(e2e_objstore PROPERTIES
  ENVIRONMENT "RUNNEL_BIN=${PROJECT_BINARY_DIR}/runnel;RUNNEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1"
  LABELS "e2e;objstore"
  TIMEOUT 600
  SKIP_RETURN_CODE 77
  REQUIRED_FILES ${PROJECT_BINARY_DIR}/runnel)
# Pipelines with inputs on Azure Blob and outputs on S3 (reuse from listings, change
# detection, failed steps upload nothing, faults retried, secrets never recorded).
add_test(NAME e2e_objstore_runs COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/e2e/test_objstore_runs.py)
set_tests_properties(e2e_objstore_runs PROPERTIES
  ENVIRONMENT "RUNNEL_BIN=${PROJECT_BINARY_DIR}/runnel;RUNNEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1"
  LABELS "e2e;objstore"
  TIMEOUT 600
  SKIP_RETURN_CODE 77
  REQUIRED_FILES ${PROJECT_BINARY_DIR}/runnel)
# `runnel serve`: REST API, tokens, path confinement, clients, restart and drain.
add_test(NAME e2e_server
  COMMAND /usr/bin/python3 -m unittest discover
          -s ${PROJECT_SOURCE_DIR}/tests/e2e -p test_server.py)
set_tests_properties(e2e_server PROPERTIES
  ENVIRONMENT "RUNNEL_BIN=${PROJECT_BINARY_DIR}/runnel;RUNNEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1"
  LABELS e2e
  TIMEOUT 400
  REQUIRED_FILES ${PROJECT_BINARY_DIR}/runnel)
# v2 `type: parallel` and `type: sweep` jobs: mini-batch order and reuse, a grid sweep feeding
# the next job, early termination, children in `runs show`.
runnel_add_e2e(parallel_sweep TIMEOUT 600)
# The same `runnel serve` tests with the metadata in PostgreSQL (--db and the config's
# "db"), two servers sharing one database, no password printed. Needs RUNNEL_TEST_PG_URL
# (scripts/test.sh starts scripts/services/postgres-up.sh and sets it with RUNNEL_TEST_PG=1,
# which turns a server that does not answer into a failure); without it a visible skip.
runnel_add_e2e(server_pg LABELS postgres TIMEOUT 500)
# A server SIGKILLed while a Slurm job runs re-attaches to it after a restart (real cluster).
runnel_add_e2e(server_slurm LABELS slurm TIMEOUT 300)
set_tests_properties(e2e_server_slurm PROPERTIES RESOURCE_LOCK slurm_cluster RUN_SERIAL TRUE)
# The Python SDK (azureml.* over the native module): the article's code unchanged, sample-
# notebook-style scripts, the three forms of the demo, and the venv install.
foreach(_sdk_name sdk_article sdk_samples sdk_compare sdk_compare_yaml sdk_install sdk_notebooks)
  runnel_add_e2e(${_sdk_name} LABELS python TIMEOUT 900)
endforeach()
unset(_sdk_name)
# Schedules run by `runnel serve`: recurrence, data change, restart catch-up, CLI and SDK.
runnel_add_e2e(schedules)
# Parameters, published pipelines, endpoints and drafts on a live `runnel serve` (curl, the
# SDK's REST body, the publishing sample scripts unchanged).
runnel_add_e2e(publish LABELS python TIMEOUT 600)
# Pipeline components (`type: pipeline` jobs, nested, registered, a pipeline made from one).
runnel_add_e2e(pipeline_components)
# Scripts modeled on the Azure ML v1 pipeline sample notebooks (tests/e2e/notebooks/,
# docs/notebook-compat.md).
runnel_add_e2e(notebooks LABELS python TIMEOUT 600)
# Azure ML v2 pipeline YAML samples (tests/e2e/v2_samples/, docs/v2-sample-compat.md).
runnel_add_e2e(v2_samples LABELS python TIMEOUT 300)
# Environments that name a container image: the host fallback and its policy (always), and
# steps in a podman container of a busybox image the test imports (a visible skip, saying
# why, where podman cannot start a container).
runnel_add_e2e(images TIMEOUT 600)
# DataTransferStep to an object-store destination (Azurite, s3rver): reused while the
# destination holds what it wrote, rerun when it was altered or removed; `datastore rm`.
add_test(NAME e2e_objstore_transfer COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/e2e/test_objstore_transfer.py)
set_tests_properties(e2e_objstore_transfer PROPERTIES
  ENVIRONMENT "RUNNEL_BIN=${PROJECT_BINARY_DIR}/runnel;RUNNEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1"
  LABELS "e2e;objstore;python"
  TIMEOUT 600
  SKIP_RETURN_CODE 77
  REQUIRED_FILES ${PROJECT_BINARY_DIR}/runnel)
# v2 references backed by the workspace: custom_model inputs on registered models, parallel
# component files, inline environments recorded in the fingerprint.
runnel_add_e2e(v2_refs LABELS python TIMEOUT 300)

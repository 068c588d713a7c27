# End-to-end tests: each tests/e2e/test_<x>.py is one ctest test `e2e_<x>`, run by
# /usr/bin/python3 against the built `runnel` binary (owned by the e2e tests).
foreach(_e2e_name bad_input failures demo cli retries v1_scripts units_cli)
  add_test(NAME e2e_${_e2e_name}
    COMMAND /usr/bin/python3 -m unittest discover
            -s ${PROJECT_SOURCE_DIR}/tests/e2e -p test_${_e2e_name}.py)
  set_tests_properties(e2e_${_e2e_name} PROPERTIES
    ENVIRONMENT "RUNNEL_BIN=${PROJECT_BINARY_DIR}/runnel;RUNNEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1"
    LABELS e2e
    TIMEOUT 240)
  set_tests_properties(e2e_${_e2e_name} PROPERTIES REQUIRED_FILES ${PROJECT_BINARY_DIR}/runnel)
endforeach()
unset(_e2e_name)
add_test(NAME e2e_reuse COMMAND /usr/bin/python3 -m unittest discover -s ${PROJECT_SOURCE_DIR}/tests/e2e -p test_reuse.py)
set_tests_properties(e2e_reuse PROPERTIES ENVIRONMENT "RUNNEL_BIN=${PROJECT_BINARY_DIR}/runnel;RUNNEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1" LABELS e2e TIMEOUT 240 REQUIRED_FILES ${PROJECT_BINARY_DIR}/runnel)
# Registered datasets with examples/datasets/: versions, reuse, changed files, bad inputs.
add_test(NAME e2e_datasets
  COMMAND /usr/bin/python3 -m unittest discover
          -s ${PROJECT_SOURCE_DIR}/tests/e2e -p test_datasets.py)
set_tests_properties(e2e_datasets PROPERTIES
  ENVIRONMENT "RUNNEL_BIN=${PROJECT_BINARY_DIR}/runnel;RUNNEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1"
  LABELS e2e
  TIMEOUT 240
  REQUIRED_FILES ${PROJECT_BINARY_DIR}/runnel)
# Slurm compute targets against a real cluster; skips itself unless `scontrol ping` works
# (scripts/services/slurm-up.sh starts one; scripts/test.sh does so before ctest).
add_test(NAME e2e_slurm
  COMMAND /usr/bin/python3 -m unittest discover
          -s ${PROJECT_SOURCE_DIR}/tests/e2e -p test_slurm.py)
set_tests_properties(e2e_slurm PROPERTIES
  ENVIRONMENT "RUNNEL_BIN=${PROJECT_BINARY_DIR}/runnel;RUNNEL_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1"
  LABELS "e2e;slurm"
  TIMEOUT 240
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

# engine: unit tests of the scheduler, run on the fake backend (no processes).
runnel_add_test(engine_test SOURCES executor_test.cc engine_test.cc fingerprint_test.cc DEPS runnel_engine runnel_testing)

"""runnel's Python SDK: the Azure ML SDK (v1) object model over runnel's C++ engine.

The classes here are thin: they collect what a script declares and hand it to the native
module `runnel._runnel` (built from src/python/ by CMake), which validates, fingerprints,
schedules and stores. The `azureml.*` packages re-export them under the SDK's module names;
`import runnel` exposes them with Pythonic extras (see python/README.md).

Importing this package needs only the standard library; the native module is loaded on
first use, so step scripts (which import azureml.core for Run) never need it.
"""

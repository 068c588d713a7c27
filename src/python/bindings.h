// python/bindings.h: the pieces of the `runnel._runnel` extension module (internal).
//
// The module binds runnel's public C++ API (include/runnel/) for the Python SDK in
// python/runnel/ and python/azureml/. Each bind_* function adds one group of classes.
// Every call that can block on the engine (validation, submit, waits) releases the GIL.
#pragma once

#include <pybind11/pybind11.h>

namespace runnel::python {

void bind_errors(pybind11::module_& m);     // runnel::Error -> RunnelError and subclasses
void bind_workspace(pybind11::module_& m);  // Workspace, Datastore, registries
void bind_data(pybind11::module_& m);       // datasets, PipelineData, OutputFileDatasetConfig
void bind_pipeline(pybind11::module_& m);   // steps, Pipeline, Experiment, runs
void bind_publish(pybind11::module_& m);    // published pipelines, endpoints, drafts
void bind_module(pybind11::module_& m);     // Module, ModuleVersion (bind_module.cc)

}  // namespace runnel::python

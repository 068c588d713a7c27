// Steps, Pipeline, Experiment, PipelineRun and StepRun for Python. Waits and submits
// release the GIL; a Python-side loop around wait() keeps Ctrl-C responsive.
#include <pybind11/stl.h>

#include "python/bindings.h"
#include "runnel/error.h"
#include "runnel/pipeline.h"
#include "runnel/run.h"
#include "spec/pipeline_spec.h"
#include "spec/spec_json.h"
#include "store/metadata_store.h"

namespace py = pybind11;
using namespace pybind11::literals;

namespace runnel::python {

py::dict step_run_dict(const StepRunRecord& r);  // bind_workspace.cc

namespace {

// A step argument from Python: data, a dataset input, or a value (bool as Python spells
// it, int and float as the C++ API formats them, anything else as str()).
std::vector<Argument> to_arguments(const py::list& items) {
  std::vector<Argument> out;
  for (const auto& a : items) {
    if (py::isinstance<PipelineData>(a))
      out.emplace_back(a.cast<PipelineData>());
    else if (py::isinstance<DatasetConsumptionConfig>(a))
      out.emplace_back(a.cast<DatasetConsumptionConfig>());
    else if (py::isinstance<PipelineParameter>(a))
      out.emplace_back(a.cast<PipelineParameter>());
    else if (py::isinstance<py::bool_>(a))
      out.emplace_back(a.cast<bool>() ? "True" : "False");
    else if (py::isinstance<py::int_>(a))
      out.emplace_back(a.cast<long>());
    else if (py::isinstance<py::float_>(a))
      out.emplace_back(a.cast<double>());
    else
      out.emplace_back(py::str(a).cast<std::string>());
  }
  return out;
}

std::vector<InputRef> to_inputs(const py::list& items) {
  std::vector<InputRef> out;
  for (const auto& a : items) {
    if (py::isinstance<PipelineData>(a))
      out.emplace_back(a.cast<PipelineData>());
    else if (py::isinstance<DatasetConsumptionConfig>(a))
      out.emplace_back(a.cast<DatasetConsumptionConfig>());
    else
      throw py::type_error(
          "a step input is a PipelineData or a dataset input (dataset.as_named_input(NAME)), not " +
          std::string(py::str(py::type::of(a).attr("__name__"))));
  }
  return out;
}

RunConfiguration to_runconfig(const py::dict& d) {
  RunConfiguration rc;
  for (const auto& [k, v] : d) {
    std::string key = py::str(k);
    if (key == "environment")
      rc.environment = v.cast<std::string>();
    else if (key == "node_count")
      rc.node_count = v.cast<int>();
    else if (key == "cpus")
      rc.cpus = v.cast<int>();
    else if (key == "memory")
      rc.memory = v.cast<std::string>();
    else if (key == "gpus")
      rc.gpus = v.cast<int>();
    else if (key == "time_limit")
      rc.time_limit = v.cast<std::string>();
    else if (key == "environment_variables")
      rc.environment_variables = v.cast<std::map<std::string, std::string>>();
    else if (key == "max_retries")
      rc.max_retries = v.cast<int>();
    else if (key == "timeout_seconds")
      rc.timeout_seconds = v.cast<int>();
    else if (key == "distribution")
      rc.distribution = v.cast<std::string>();
    else if (key == "process_count_per_node")
      rc.process_count_per_node = v.cast<int>();
    else if (key == "worker_count")
      rc.worker_count = v.cast<int>();
    else if (key == "parameter_server_count")
      rc.parameter_server_count = v.cast<int>();
    else if (key == "parallel_workers")
      rc.parallel_workers = v.cast<int>();
    else
      throw invalid_argument("runconfig: unknown key '" + key + "'");
  }
  return rc;
}

// A step's options from a dict of the Options field names; an unknown key is an error.
template <class O>
O step_options(const py::dict& d) {
  O o;
  for (const auto& [k, v] : d) {
    std::string key = py::str(k);
    if (key == "name")
      o.name = py::cast<std::string>(v);
    else if (key == "arguments")
      o.arguments = to_arguments(py::cast<py::list>(v));
    else if (key == "compute_target")
      o.compute_target = py::cast<std::string>(v);
    else if (key == "runconfig")
      o.runconfig = to_runconfig(py::cast<py::dict>(v));
    else if (key == "inputs")
      o.inputs = to_inputs(py::cast<py::list>(v));
    else if (key == "outputs")
      o.outputs = py::cast<std::vector<PipelineData>>(v);
    else if (key == "params")
      o.params = py::cast<std::map<std::string, std::string>>(v);
    else if (key == "source_directory")
      o.source_directory = py::cast<std::string>(v);
    else if (key == "allow_reuse")
      o.allow_reuse = py::cast<bool>(v);
    else if (key == "version")
      o.version = py::cast<std::string>(v);
    else if (key == "destinations") {
      // [(datastore name, path on it)]: CommandStep::Options::destinations.
      if constexpr (requires { o.destinations; }) {
        for (const auto& [ds, path] :
             py::cast<std::vector<std::pair<std::string, std::string>>>(v)) {
          DataPath d(path);
          d.datastore = ds;
          o.destinations.push_back(std::move(d));
        }
      } else {
        throw invalid_argument("step options: destinations are for CommandStep only");
      }
    } else if constexpr (requires { o.hash_paths; }) {
      if (key == "hash_paths")
        o.hash_paths = py::cast<std::vector<std::string>>(v);
      else
        throw invalid_argument("step options: unknown key '" + key + "'");
    } else {
      throw invalid_argument("step options: unknown key '" + key + "'");
    }
  }
  return o;
}

// A step run with the workspace it belongs to, so its record can be read.
struct PyStepRun {
  Workspace ws;
  StepRun run;
};

std::vector<PyStepRun> wrap(const Workspace& ws, std::vector<StepRun> runs) {
  std::vector<PyStepRun> out;
  for (auto& r : runs) out.push_back({ws, std::move(r)});
  return out;
}

struct PyPipelineRun {
  Workspace ws;
  PipelineRun run;
};

}  // namespace

void bind_pipeline(py::module_& m) {
  // A pipeline parameter in a step's arguments (kept symbolic: published pipelines).
  py::class_<PipelineParameter>(m, "PipelineParameter")
      .def(py::init([](const std::string& name, const py::object& v) {
             if (py::isinstance<py::bool_>(v)) return PipelineParameter(name, v.cast<bool>());
             if (py::isinstance<py::int_>(v)) return PipelineParameter(name, v.cast<long>());
             if (py::isinstance<py::float_>(v)) return PipelineParameter(name, v.cast<double>());
             return PipelineParameter(name, py::str(v).cast<std::string>());
           }),
           "name"_a, "default_value"_a)
      .def_property_readonly("name", &PipelineParameter::name)
      .def_property_readonly("default_value", &PipelineParameter::default_value);
  py::class_<Step>(m, "Step")
      .def_property_readonly("name", &Step::name)
      .def("run_after", &Step::run_after, "other"_a)
      .def("same_step", [](const Step& a, const Step& b) { return a.state() == b.state(); });
  py::class_<PythonScriptStep, Step>(m, "PythonScriptStep")
      .def(py::init([](const std::string& script_name, const py::dict& options) {
             auto o = step_options<PythonScriptStep::Options>(options);
             o.script_name = script_name;
             return PythonScriptStep(std::move(o));
           }),
           "script_name"_a, "options"_a = py::dict(),
           "options: name, arguments, compute_target, runconfig, inputs, outputs, params, "
           "source_directory, allow_reuse, version, hash_paths (as PythonScriptStep::Options).");
  py::class_<CommandStep, Step>(m, "CommandStep")
      .def(py::init([](const std::string& command, const py::dict& options) {
             auto o = step_options<CommandStep::Options>(options);
             o.command = command;
             return CommandStep(std::move(o));
           }),
           "command"_a, "options"_a = py::dict());

  py::class_<Pipeline>(m, "Pipeline")
      .def(py::init([](const Workspace& ws, const std::vector<Step>& steps,
                       const std::string& default_compute, bool continue_on_step_failure,
                       bool force_rerun, const std::string& description) {
             PipelineSettings s;
             s.default_compute = default_compute;
             s.continue_on_step_failure = continue_on_step_failure;
             s.force_rerun = force_rerun;
             s.description = description;
             return Pipeline(ws, steps, s);
           }),
           "workspace"_a, "steps"_a, "default_compute"_a = "", "continue_on_step_failure"_a = false,
           "force_rerun"_a = false, "description"_a = "")
      .def("validate",
           [](const Pipeline& p) {
             py::gil_scoped_release release;
             return p.validate();
           })
      .def("spec_json",
           [](const Pipeline& p) {
             py::gil_scoped_release release;
             return spec_to_json(p.to_spec()).dump();
           })
      .def_property_readonly("steps", &Pipeline::steps);

  py::class_<PyStepRun>(m, "StepRun")
      .def_property_readonly("id", [](const PyStepRun& s) { return s.run.id(); })
      .def_property_readonly("name", [](const PyStepRun& s) { return s.run.name(); })
      .def("get_status", [](const PyStepRun& s) { return s.run.get_status(); })
      .def("exit_code", [](const PyStepRun& s) { return s.run.exit_code(); })
      .def("get_metrics", [](const PyStepRun& s) { return s.run.get_metrics(); })
      .def("get_output_data",
           [](const PyStepRun& s, const std::string& name) { return s.run.get_output_data(name); })
      .def("log_dir", [](const PyStepRun& s) { return s.run.log_dir(); })
      .def("record", [](const PyStepRun& s) -> py::object {
        auto r = s.ws.store().get_step_run(s.run.id());
        return r ? py::object(step_run_dict(*r)) : py::object(py::none());
      });

  py::class_<PyPipelineRun>(m, "PipelineRun")
      .def(py::init([](const Workspace& ws, const std::string& id) {
             return PyPipelineRun{ws, PipelineRun(ws, id)};
           }),
           "workspace"_a, "run_id"_a)
      .def_property_readonly("id", [](const PyPipelineRun& r) { return r.run.id(); })
      .def("get_status", [](const PyPipelineRun& r) { return r.run.get_status(); })
      .def(
          "wait",
          [](PyPipelineRun& r, int timeout_seconds) {
            py::gil_scoped_release release;
            return r.run.wait_for_completion(false, timeout_seconds, false);
          },
          "timeout_seconds"_a = 0,
          "Blocks (without the GIL) until the run ends or timeout_seconds pass; returns the "
          "status.")
      .def("get_steps", [](const PyPipelineRun& r) { return wrap(r.ws, r.run.get_steps()); })
      .def("find_step_run",
           [](const PyPipelineRun& r, const std::string& name) {
             return wrap(r.ws, r.run.find_step_run(name));
           })
      .def("cancel", [](PyPipelineRun& r) { r.run.cancel(); });

  py::class_<Experiment>(m, "Experiment")
      .def(py::init<const Workspace&, std::string>(), "workspace"_a, "name"_a)
      .def_property_readonly("name", &Experiment::name)
      .def(
          "submit",
          [](Experiment& e, const Pipeline& p, const Workspace& ws, bool regenerate_outputs,
             bool continue_on_step_failure, int max_parallel, const std::string& default_compute,
             const std::map<std::string, std::string>& tags) {
            SubmitOptions o;
            o.regenerate_outputs = regenerate_outputs;
            o.continue_on_step_failure = continue_on_step_failure;
            o.max_parallel = max_parallel;
            o.default_compute = default_compute;
            o.tags = tags;
            py::gil_scoped_release release;
            return PyPipelineRun{ws, e.submit(p, o)};
          },
          "pipeline"_a, "workspace"_a, "regenerate_outputs"_a = false,
          "continue_on_step_failure"_a = false, "max_parallel"_a = 0, "default_compute"_a = "",
          "tags"_a = std::map<std::string, std::string>{});
}

}  // namespace runnel::python

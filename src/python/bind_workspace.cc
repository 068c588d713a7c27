// Workspace, Datastore and the workspace's registries (compute targets, environments,
// experiments, runs) for Python. The registries are read and written through the
// workspace's metadata store, as the CLI does.
#include <pybind11/stl.h>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "data/file_match.h"
#include "engine/environment.h"
#include "env/definition.h"
#include "objstore/ops.h"
#include "python/bindings.h"
#include "runnel/datastore.h"
#include "runnel/error.h"
#include "runnel/workspace.h"
#include "store/metadata_store.h"

namespace py = pybind11;
using namespace pybind11::literals;

namespace runnel::python {

namespace {

py::dict compute_dict(const ComputeRecord& c) {
  return py::dict("name"_a = c.name, "type"_a = c.type, "config_json"_a = c.config_json,
                  "created_at"_a = c.created_at);
}

py::dict environment_dict(const EnvironmentRecord& e) {
  return py::dict("name"_a = e.name, "version"_a = e.version, "python"_a = e.python,
                  "variables"_a = e.variables, "description"_a = e.description,
                  "created_at"_a = e.created_at);
}

py::dict run_dict(const PipelineRunRecord& r) {
  return py::dict("id"_a = r.id, "experiment"_a = r.experiment,
                  "status"_a = std::string(to_string(r.status)), "display_name"_a = r.display_name,
                  "spec_json"_a = r.spec_json, "options_json"_a = r.options_json,
                  "git_json"_a = r.git_json, "tags_json"_a = r.tags_json, "error"_a = r.error,
                  "created_at"_a = r.created_at, "started_at"_a = r.started_at,
                  "ended_at"_a = r.ended_at);
}

}  // namespace

py::dict step_run_dict(const StepRunRecord& r) {
  return py::dict(
      "id"_a = r.id, "pipeline_run_id"_a = r.pipeline_run_id, "name"_a = r.name,
      "status"_a = std::string(to_string(r.status)), "exit_code"_a = r.exit_code,
      "signal"_a = r.signal, "error"_a = r.error, "run_dir"_a = r.run_dir, "compute"_a = r.compute,
      "fingerprint"_a = r.fingerprint, "reused_run_id"_a = r.reused_run_id, "outputs"_a = r.outputs,
      "tags_json"_a = r.tags_json, "attempt"_a = r.attempt, "created_at"_a = r.created_at,
      "started_at"_a = r.started_at, "ended_at"_a = r.ended_at);
}

objstore::GlobMatch glob_matcher() {
  return [](const std::string& p, const std::string& k) { return internal::glob_match(p, k); };
}

void bind_workspace(py::module_& m) {
  py::class_<Datastore>(m, "Datastore")
      .def(py::init<const Workspace&, const std::string&>(), "workspace"_a, "name"_a)
      .def_property_readonly("name", &Datastore::name)
      .def_property_readonly("type", &Datastore::type)
      .def_property_readonly("root", &Datastore::root)
      .def("path", &Datastore::path, "relative"_a,
           "Absolute local path of `relative` inside the datastore; raises if it escapes it.")
      .def("describe_json", &Datastore::describe_json)
      .def_static(
          "register_azure_blob_container",
          [](const Workspace& ws, const std::string& name, const std::string& container,
             const std::string& account, const std::string& sas_token,
             const std::string& account_key, const std::string& protocol,
             const std::string& endpoint, bool overwrite, bool create_if_not_exists,
             bool skip_validation) {
            py::gil_scoped_release release;
            return Datastore::register_azure_blob_container(
                ws, name, container, account, sas_token, account_key, protocol, endpoint, overwrite,
                create_if_not_exists, skip_validation);
          },
          "workspace"_a, "datastore_name"_a, "container_name"_a, "account_name"_a,
          "sas_token"_a = "", "account_key"_a = "", "protocol"_a = "", "endpoint"_a = "",
          "overwrite"_a = false, "create_if_not_exists"_a = false, "skip_validation"_a = false)
      .def_static("unregister", &Datastore::unregister, "workspace"_a, "datastore_name"_a)
      // Remote (Azure Blob, S3) transfers, as `runnel datastore upload/download/copy`
      // (objstore/ops.h); each returns (files, skipped, bytes).
      .def_static(
          "upload_remote",
          [](const Workspace& ws, const std::string& name, const std::string& local,
             const std::string& dest) {
            py::gil_scoped_release release;
            auto c = objstore::upload_path(ws, name, local, dest, false);
            return std::make_tuple(c.files, c.skipped, c.bytes);
          },
          "workspace"_a, "datastore_name"_a, "local"_a, "dest"_a)
      .def_static(
          "download_remote",
          [](const Workspace& ws, const std::string& name, const std::string& src,
             const std::string& local) {
            py::gil_scoped_release release;
            auto c = objstore::download_path(ws, name, src, local, false, glob_matcher());
            return std::make_tuple(c.files, c.skipped, c.bytes);
          },
          "workspace"_a, "datastore_name"_a, "src"_a, "local"_a)
      .def_static(
          "copy",
          [](const Workspace& ws, const std::string& src, const std::string& src_path,
             const std::string& dst, const std::string& dst_path) {
            py::gil_scoped_release release;
            auto c = objstore::copy_path(ws, src, src_path, dst, dst_path, false, glob_matcher());
            return std::make_tuple(c.files, c.skipped, c.bytes);
          },
          "workspace"_a, "src_datastore"_a, "src_path"_a, "dst_datastore"_a, "dst_path"_a,
          "Copies src_path of one datastore to dst_path of another (any kinds), skipping files "
          "already there with the same content.")
      .def("__repr__",
           [](const Datastore& d) { return "<runnel._runnel.Datastore " + d.name() + ">"; });

  py::class_<Workspace>(m, "Workspace")
      .def_static("create", &Workspace::create, "dir"_a, "name"_a = "")
      .def_static("from_config", &Workspace::from_config, "path"_a = "")
      .def_static("get", &Workspace::get, "dir"_a)
      .def_property_readonly("name", &Workspace::name)
      .def_property_readonly("root", &Workspace::root)
      .def_property_readonly("runnel_dir", &Workspace::runnel_dir)
      .def("get_default_datastore", &Workspace::get_default_datastore)
      .def("datastores", &Workspace::datastores)
      .def("config_value", &Workspace::config_value, "dotted_key"_a)
      // Compute targets.
      .def("list_computes",
           [](const Workspace& ws) {
             py::list out;
             for (const auto& c : ws.store().list_computes()) out.append(compute_dict(c));
             return out;
           })
      .def("get_compute",
           [](const Workspace& ws, const std::string& name) -> py::object {
             auto c = ws.store().get_compute(name);
             return c ? py::object(compute_dict(*c)) : py::object(py::none());
           })
      .def(
          "put_compute",
          [](const Workspace& ws, const std::string& name, const std::string& type,
             const std::string& config_json) {
            if (name == "local")
              throw already_exists("compute 'local' is built in; pick another name");
            ws.store().put_compute(ComputeRecord{name, type, config_json, now_ms()});
          },
          "name"_a, "type"_a, "config_json"_a)
      .def("delete_compute",
           [](const Workspace& ws, const std::string& name) { ws.store().delete_compute(name); })
      // Environments.
      .def("list_environments",
           [](const Workspace& ws) {
             py::list out;
             for (const auto& e : ws.store().list_environments()) out.append(environment_dict(e));
             return out;
           })
      .def(
          "get_environment",
          [](const Workspace& ws, const std::string& name, int version) -> py::object {
            auto e = ws.store().get_environment(name, version);
            return e ? py::object(environment_dict(*e)) : py::object(py::none());
          },
          "name"_a, "version"_a = 0)
      .def(
          "put_environment",
          [](const Workspace& ws, const std::string& name, const std::string& python,
             const std::map<std::string, std::string>& variables, const std::string& description) {
            EnvironmentRecord e;
            e.name = name;
            e.python = python;
            e.variables = variables;
            e.description = description;
            e.created_at = now_ms();
            ws.store().put_environment(e);
            return environment_dict(*ws.store().get_environment(name, 0));
          },
          "name"_a, "python"_a, "variables"_a, "description"_a = "")
      .def(
          "register_environment",
          [](const Workspace& ws, const std::string& name, const std::string& definition_json) {
            auto j = nlohmann::json::parse(definition_json, nullptr, false);
            if (!j.is_object())
              throw invalid_argument("register_environment: the definition is not a JSON object");
            env::EnvDefinition d = env::EnvDefinition::from_json(j);
            bool created = false;
            py::dict out = environment_dict(register_environment(ws, name, d, &created));
            out["created"] = created;
            return out;
          },
          "name"_a, "definition_json"_a)
      .def(
          "build_environment",
          [](const Workspace& ws, const std::string& name) {
            // As `runnel env build`: its packages (a venv, once) and its image (a Dockerfile,
            // packages over an image, once), as a local step would get them.
            ResolvedEnvironment r;
            env::ImageDecision d;
            {
              py::gil_scoped_release nogil;
              r = resolve_environment(ws, name);
              if (!r.image.empty()) d = prepare_image(ws, r, "local");
            }
            py::dict out;
            out["name"] = r.name;
            out["version"] = r.version;
            out["python"] = r.python;
            out["python_version"] = r.python_version;
            out["packages"] = r.packages;
            out["image"] = d.run_image;
            out["runtime"] = d.runtime;
            out["warning"] = d.warning;
            return out;
          },
          "name"_a)
      .def(
          "get_environment_definition",
          [](const Workspace& ws, const std::string& name, int version) -> py::object {
            auto e = ws.store().get_environment(name, version);
            if (!e) return py::none();
            return py::str(stored_definition(ws, *e).to_json().dump());
          },
          "name"_a, "version"_a = 0)
      // Experiments and runs.
      .def("list_experiments", [](const Workspace& ws) { return ws.store().list_experiments(); })
      .def(
          "list_pipeline_runs",
          [](const Workspace& ws, const std::string& experiment, int limit) {
            py::list out;
            for (const auto& r : ws.store().list_pipeline_runs(experiment, limit))
              out.append(run_dict(r));
            return out;
          },
          "experiment"_a = "", "limit"_a = 100)
      .def("get_pipeline_run_record",
           [](const Workspace& ws, const std::string& id) -> py::object {
             auto r = ws.store().get_pipeline_run(id);
             return r ? py::object(run_dict(*r)) : py::object(py::none());
           })
      .def("list_step_run_records",
           [](const Workspace& ws, const std::string& pipeline_run_id) {
             py::list out;
             for (const auto& r : ws.store().list_step_runs(pipeline_run_id))
               out.append(step_run_dict(r));
             return out;
           })
      .def("get_step_run_record",
           [](const Workspace& ws, const std::string& id) -> py::object {
             auto r = ws.store().get_step_run(id);
             return r ? py::object(step_run_dict(*r)) : py::object(py::none());
           })
      .def("list_datasets",
           [](const Workspace& ws) {
             py::list out;
             for (const auto& d : ws.store().list_datasets())
               out.append(py::dict("name"_a = d.name, "version"_a = d.version, "kind"_a = d.kind,
                                   "description"_a = d.description, "digest"_a = d.digest));
             return out;
           })
      .def("__repr__",
           [](const Workspace& ws) { return "<runnel._runnel.Workspace " + ws.root() + ">"; });
}

}  // namespace runnel::python

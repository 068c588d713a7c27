// Datasets, PipelineData and OutputFileDatasetConfig for Python.
#include <pybind11/stl.h>

#include "data/column_types.h"
#include "data/dataset_state.h"
#include "python/bindings.h"
#include "runnel/dataset.h"
#include "runnel/error.h"
#include "runnel/pipeline.h"
#include "spec/pipeline_spec.h"

namespace py = pybind11;
using namespace pybind11::literals;

namespace runnel::python {

namespace {

// A dataset source from Python: "local/path", a DataPath, or a (Datastore, "path") pair.
std::vector<DataPath> to_data_paths(const py::object& obj) {
  std::vector<DataPath> out;
  py::list items;
  if (py::isinstance<py::list>(obj)) {
    items = py::reinterpret_borrow<py::list>(obj);
  } else {
    items.append(obj);
  }
  for (const auto& item : items) {
    if (py::isinstance<py::str>(item)) {
      out.emplace_back(item.cast<std::string>());
    } else if (py::isinstance<DataPath>(item)) {
      out.push_back(item.cast<DataPath>());
    } else if (py::isinstance<py::tuple>(item) && py::len(item) == 2) {
      auto t = py::reinterpret_borrow<py::tuple>(item);
      out.emplace_back(t[0].cast<Datastore>(), t[1].cast<std::string>());
    } else {
      throw py::type_error(
          "a dataset path is a str, a DataPath or a (Datastore, 'path') tuple, not " +
          std::string(py::str(py::type::of(item).attr("__name__"))));
    }
  }
  if (out.empty())
    throw invalid_argument("no dataset paths given; pass a path or (datastore, 'path') pairs");
  return out;
}

py::list files_list(const DatasetBase& d) {
  py::list out;
  for (const auto& f : d.files())
    out.append(py::dict("datastore"_a = f.datastore, "path"_a = f.path,
                        "local_path"_a = f.local_path, "size"_a = f.size,
                        "partition"_a = f.partition));
  return out;
}

template <class T>
void bind_dataset_common(py::class_<T>& c) {
  c.def_property_readonly("name", &T::name)
      .def_property_readonly("version", &T::version)
      .def_property_readonly("description", &T::description)
      .def_property_readonly("kind", &T::kind)
      .def_property_readonly("definition_json", &T::definition_json)
      .def_property_readonly("digest", &T::digest)
      .def("files", [](const T& d) { return files_list(d); })
      .def("to_path", &T::to_path)
      .def("as_named_input", &T::as_named_input, "input_name"_a)
      .def(
          "register_dataset",
          [](const T& d, const Workspace& ws, const std::string& name,
             const std::string& description, const std::map<std::string, std::string>& tags,
             bool create_new_version) {
            py::gil_scoped_release release;
            return d.register_dataset(ws, name, description, tags, create_new_version);
          },
          "workspace"_a, "name"_a, "description"_a = "",
          "tags"_a = std::map<std::string, std::string>{}, "create_new_version"_a = false);
}

}  // namespace

void bind_data(py::module_& m) {
  py::class_<DataPath>(m, "DataPath")
      .def(py::init<const Datastore&, std::string>(), "datastore"_a, "path"_a)
      .def(py::init<std::string>(), "local_path"_a)
      .def_readonly("datastore", &DataPath::datastore)
      .def_readonly("root", &DataPath::root)
      .def_readonly("path", &DataPath::path);

  py::class_<DatasetConsumptionConfig>(m, "DatasetConsumptionConfig")
      .def_readonly("name", &DatasetConsumptionConfig::name)
      .def_readonly("mode", &DatasetConsumptionConfig::mode)
      .def_readonly("dataset", &DatasetConsumptionConfig::dataset)
      .def_readonly("version", &DatasetConsumptionConfig::version)
      .def_readonly("path_on_compute", &DatasetConsumptionConfig::path_on_compute)
      .def("as_download", &DatasetConsumptionConfig::as_download, "path_on_compute"_a = "")
      .def("as_mount", &DatasetConsumptionConfig::as_mount, "path_on_compute"_a = "");

  py::class_<FileDataset> file(m, "FileDataset");
  bind_dataset_common(file);
  py::class_<TabularDataset> tab(m, "TabularDataset");
  bind_dataset_common(tab);
  tab.def("columns",
          [](const TabularDataset& d) {
            py::list out;
            for (const auto& c : d.columns()) out.append(py::make_tuple(c.name, c.type_name()));
            return out;
          })
      .def("take_json", &TabularDataset::take_json, "n"_a)
      .def("take", &TabularDataset::take, "n"_a);

  m.def(
      "file_dataset_from_files",
      [](const py::object& paths, const std::string& partition_format) {
        auto p = to_data_paths(paths);
        py::gil_scoped_release release;
        return Dataset::File::from_files(p, partition_format);
      },
      "paths"_a, "partition_format"_a = "");
  m.def(
      "tabular_dataset_from_delimited_files",
      [](const py::object& paths, const std::string& separator, const std::string& header,
         bool infer_column_types, const std::map<std::string, std::string>& set_column_types,
         bool include_path, const std::string& partition_format, bool support_multi_line,
         bool empty_as_string, const std::string& encoding) {
        DelimitedOptions o;
        o.separator = separator;
        o.header = internal::parse_header_mode(header);
        o.infer_column_types = infer_column_types;
        for (const auto& [k, v] : set_column_types)
          o.set_column_types[k] = internal::parse_column_type(v);
        o.include_path = include_path;
        o.partition_format = partition_format;
        o.support_multi_line = support_multi_line;
        o.empty_as_string = empty_as_string;
        o.encoding = encoding;
        auto p = to_data_paths(paths);
        py::gil_scoped_release release;
        return Dataset::Tabular::from_delimited_files(p, o);
      },
      "paths"_a, "separator"_a = ",", "header"_a = "all_files_same_headers",
      "infer_column_types"_a = true, "set_column_types"_a = std::map<std::string, std::string>{},
      "include_path"_a = false, "partition_format"_a = "", "support_multi_line"_a = false,
      "empty_as_string"_a = false, "encoding"_a = "utf8");
  m.def(
      "dataset_get_by_name",
      [](const Workspace& ws, const std::string& name, int version) {
        return Dataset::get_by_name(ws, name, version);
      },
      "workspace"_a, "name"_a, "version"_a = 0);

  py::class_<PipelineData>(m, "PipelineData")
      .def(py::init<const std::string&, std::optional<Datastore>, bool>(), "name"_a,
           "datastore"_a = py::none(), "is_directory"_a = true)
      .def_property_readonly("name", &PipelineData::name)
      .def("as_input", &PipelineData::as_input, "input_name"_a = "")
      .def("as_download", &PipelineData::as_download, "input_name"_a = "")
      .def(
          "as_dataset_input",
          [](const PipelineData& d, const std::string& input_name, const std::string& format,
             const std::string& file_glob, const std::string& separator, const std::string& header,
             bool include_path, const std::string& partition_format,
             const std::map<std::string, std::string>& set_column_types, bool support_multi_line,
             const std::vector<std::string>& keep_columns,
             const std::vector<std::string>& drop_columns,
             const std::vector<std::tuple<double, int64_t, int>>& random_split) {
            OutputDatasetOptions o;
            auto f = parse_output_dataset_format(format);
            if (!f)
              throw invalid_argument("as_dataset_input: format '" + format +
                                     "': use files, delimited or parquet");
            o.format = *f == OutputDatasetRead::Format::kFiles
                           ? OutputDatasetOptions::Format::kFiles
                       : *f == OutputDatasetRead::Format::kDelimited
                           ? OutputDatasetOptions::Format::kDelimited
                           : OutputDatasetOptions::Format::kParquet;
            o.file_glob = file_glob;
            o.delimited.separator = separator;
            o.delimited.header = internal::parse_header_mode(header);
            o.delimited.include_path = include_path;
            o.delimited.partition_format = partition_format;
            for (const auto& [k, v] : set_column_types)
              o.delimited.set_column_types[k] = internal::parse_column_type(v);
            o.delimited.support_multi_line = support_multi_line;
            o.keep_columns = keep_columns;
            o.drop_columns = drop_columns;
            for (const auto& [percentage, seed, part] : random_split)
              o.random_splits.push_back({percentage, seed, part});
            return d.as_dataset_input(input_name, o);
          },
          "input_name"_a, "format"_a = "delimited", "file_glob"_a = "", "separator"_a = ",",
          "header"_a = "all_files_same_headers", "include_path"_a = false,
          "partition_format"_a = "", "set_column_types"_a = std::map<std::string, std::string>{},
          "support_multi_line"_a = false, "keep_columns"_a = std::vector<std::string>{},
          "drop_columns"_a = std::vector<std::string>{},
          "random_split"_a = std::vector<std::tuple<double, int64_t, int>>{})
      .def_property_readonly("is_input", &PipelineData::is_input)
      .def_property_readonly("input_name", &PipelineData::input_name)
      .def("same_data",
           [](const PipelineData& a, const PipelineData& b) { return a.state() == b.state(); });

  py::class_<OutputFileDatasetConfig, PipelineData>(m, "OutputFileDatasetConfig")
      .def(py::init(
               [](const std::string& name, std::optional<Datastore> ds, const std::string& path) {
                 std::optional<OutputFileDatasetConfig::Destination> dest;
                 if (ds) dest = OutputFileDatasetConfig::Destination{*ds, path};
                 return OutputFileDatasetConfig(name, dest);
               }),
           "name"_a, "datastore"_a = py::none(), "path"_a = "")
      .def("as_upload", &OutputFileDatasetConfig::as_upload, "overwrite"_a = false)
      .def("as_mount", &OutputFileDatasetConfig::as_mount)
      .def("register_on_complete", &OutputFileDatasetConfig::register_on_complete, "name"_a,
           "description"_a = "", "tags"_a = std::map<std::string, std::string>{})
      .def("read_delimited_files", &OutputFileDatasetConfig::read_delimited_files);
}

}  // namespace runnel::python

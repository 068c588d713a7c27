// Reading tabular datasets (data/tabular_reader.h).
#include "data/tabular_reader.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "data/column_types.h"
#include "data/csv_reader.h"
#include "data/file_match.h"
#include "data/text_decode.h"
#include "runnel/error.h"

namespace runnel::internal {

namespace {

std::string label(const DatasetFile& f) {
  return f.datastore.empty() ? f.path : f.datastore + ":" + f.path;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> header_of(const CsvRow& row) {
  std::vector<std::string> out;
  for (size_t i = 0; i < row.fields.size(); ++i)
    out.push_back(row.fields[i] && !row.fields[i]->empty() ? *row.fields[i]
                                                           : "Column" + std::to_string(i + 1));
  return out;
}

// Reads the raw rows of one file (header row included).
void read_file_rows(const DatasetFile& f, const DelimitedOptions& o,
                    const std::function<bool(CsvRow&&)>& on_row) {
  std::string text = decode_text(read_file(f.local_path), o.encoding, label(f));
  parse_csv(text, {parse_separator(o.separator), o.support_multi_line}, label(f), on_row);
}

std::optional<std::vector<std::string>> first_row(const DatasetFile& f, const DelimitedOptions& o) {
  std::optional<std::vector<std::string>> out;
  read_file_rows(f, o, [&](CsvRow&& r) {
    out = header_of(r);
    return false;
  });
  return out;
}

}  // namespace

std::vector<std::string> read_column_names(const std::vector<DatasetFile>& files,
                                           const DelimitedOptions& o) {
  std::vector<std::string> names;
  if (files.empty()) return names;
  switch (o.header) {
    case HeaderMode::kNoHeaders: {
      auto first = first_row(files[0], o);
      for (size_t i = 0; first && i < first->size(); ++i)
        names.push_back("Column" + std::to_string(i + 1));
      break;
    }
    case HeaderMode::kOnlyFirstFileHasHeaders:
      names = first_row(files[0], o).value_or(std::vector<std::string>{});
      break;
    case HeaderMode::kAllFilesHaveSameHeaders:
      names = first_row(files[0], o).value_or(std::vector<std::string>{});
      for (size_t i = 1; i < files.size(); ++i) {
        auto h = first_row(files[i], o).value_or(std::vector<std::string>{});
        if (h != names)
          throw invalid_argument(label(files[i]) + ":1: header (" + join(h) +
                                 ") differs from the header of " + label(files[0]) + " (" +
                                 join(names) +
                                 "); make them equal, or use header=combine_all_files_headers");
      }
      break;
    case HeaderMode::kCombineAllFilesHeaders:
      for (const auto& f : files)
        for (const auto& n : first_row(f, o).value_or(std::vector<std::string>{}))
          if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
      break;
  }
  if (names.empty())
    throw invalid_argument(label(files[0]) + ": the file is empty (no header row)");
  if (o.include_path) names.push_back("Path");
  for (const auto& [k, _] : partition_keys(o.partition_format)) names.push_back(k);
  return names;
}

void scan_rows(const std::vector<DatasetFile>& files, const DelimitedOptions& o,
               const std::function<bool(const DatasetFile&, int, Fields&&)>& on_row) {
  auto all = read_column_names(files, o);
  size_t width = all.size() - (o.include_path ? 1 : 0) - partition_keys(o.partition_format).size();
  std::vector<std::string> base(all.begin(), all.begin() + static_cast<long>(width));
  bool stop = false;
  for (size_t fi = 0; fi < files.size() && !stop; ++fi) {
    const auto& f = files[fi];
    bool has_header = o.header == HeaderMode::kAllFilesHaveSameHeaders ||
                      o.header == HeaderMode::kCombineAllFilesHeaders ||
                      (o.header == HeaderMode::kOnlyFirstFileHasHeaders && fi == 0);
    std::vector<size_t> map;  // file column -> base column (combine mode)
    bool first = true;
    read_file_rows(f, o, [&](CsvRow&& r) {
      if (first && has_header) {
        first = false;
        for (const auto& n : header_of(r))
          map.push_back(static_cast<size_t>(std::find(base.begin(), base.end(), n) - base.begin()));
        return true;
      }
      first = false;
      size_t expect = has_header ? map.size() : width;
      if (r.fields.size() != expect) {
        if (o.ragged_rows == RaggedRows::kSkip) return true;
        if (o.ragged_rows == RaggedRows::kError)
          throw invalid_argument(label(f) + ":" + std::to_string(r.line) + ": row has " +
                                 std::to_string(r.fields.size()) + " fields, the header has " +
                                 std::to_string(expect) +
                                 "; fix the row, or set ragged_rows to pad or skip (--ragged)");
      }
      Fields out(width);
      for (size_t i = 0; i < r.fields.size() && i < expect; ++i) {
        size_t to = has_header ? map[i] : i;
        if (to < width) out[to] = std::move(r.fields[i]);
      }
      if (o.include_path) out.emplace_back("/" + f.path);
      for (const auto& [k, _] : partition_keys(o.partition_format)) {
        auto it = f.partition.find(k);
        out.emplace_back(it == f.partition.end() ? std::nullopt
                                                 : std::optional<std::string>(it->second));
      }
      if (!on_row(f, r.line, std::move(out))) stop = true;
      return !stop;
    });
  }
}

std::vector<ColumnInfo> infer_columns(const std::vector<DatasetFile>& files,
                                      const DelimitedOptions& o) {
  auto names = read_column_names(files, o);
  for (const auto& [k, _] : o.set_column_types)
    if (std::find(names.begin(), names.end(), k) == names.end())
      throw invalid_argument("set_column_types names column '" + k +
                             "', which the files do not have (columns: " + join(names) + ")");
  std::vector<Fields> samples(names.size());
  if (o.infer_column_types) {
    int n = 0;
    scan_rows(files, o, [&](const DatasetFile&, int, Fields&& row) {
      for (size_t i = 0; i < row.size() && i < samples.size(); ++i)
        samples[i].push_back(std::move(row[i]));
      return ++n < o.infer_sample_rows;
    });
  }
  std::vector<ColumnInfo> cols;
  for (size_t i = 0; i < names.size(); ++i) {
    ColumnInfo c = o.infer_column_types ? infer_column(names[i], samples[i]) : ColumnInfo{names[i]};
    if (names[i] == "Path" && o.include_path) c = ColumnInfo{names[i]};
    for (const auto& [k, is_date] : partition_keys(o.partition_format))
      if (k == names[i]) c = is_date ? ColumnInfo{k, ColumnType::kDatetime, "ymd"} : ColumnInfo{k};
    if (auto it = o.set_column_types.find(names[i]); it != o.set_column_types.end()) {
      if (c.type != it->second) c.date_order.clear();
      c.type = it->second;
    }
    cols.push_back(c);
  }
  return cols;
}

nlohmann::json take_rows(const std::vector<DatasetFile>& files, const DelimitedOptions& o,
                         const std::vector<ColumnInfo>& columns, int n) {
  nlohmann::json rows = nlohmann::json::array();
  if (n <= 0) return rows;
  scan_rows(files, o, [&](const DatasetFile& f, int line, Fields&& fields) {
    nlohmann::json row = nlohmann::json::array();
    for (size_t i = 0; i < columns.size(); ++i) {
      const auto& v = i < fields.size() ? fields[i] : std::optional<std::string>();
      auto j = convert_value(columns[i], v, o.empty_as_string);
      if (!j)
        throw invalid_argument(label(f) + ":" + std::to_string(line) + ": column '" +
                               columns[i].name + "': '" + *v + "' is not a " +
                               column_type_name(columns[i].type) +
                               "; fix the value or change its type in set_column_types");
      row.push_back(*j);
    }
    rows.push_back(std::move(row));
    return static_cast<int>(rows.size()) < n;
  });
  return rows;
}

}  // namespace runnel::internal

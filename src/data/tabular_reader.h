// data/tabular_reader.h: reading the rows of a tabular dataset's delimited files with its
// options (header mode, encoding, ragged rows, include_path, partition columns), and
// inferring its columns.
//
// Header modes: all_files_same_headers checks every file's first row against the first
// file's and fails naming the file and both headers; combine_all_files_headers takes the
// union of names (missing columns read as null); only_first_file_has_headers reads the
// first row of the first file only; no_headers names columns Column1, Column2, ...
// Ragged rows (field count differs from the header): error (default, naming file:line and
// both counts), pad (missing fields null, extra fields dropped) or skip.
// Thread-safe (no shared state); reads files.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runnel/dataset.h"

namespace runnel::internal {

using Fields = std::vector<std::optional<std::string>>;

// Calls `on_row(file, line, fields)` for every data row of `files` in order, with fields
// aligned to `columns` (the names from read_column_names, plus Path and partition columns);
// stops when it returns false. Throws Error(kInvalidArgument) naming file:line.
void scan_rows(const std::vector<DatasetFile>& files, const DelimitedOptions& options,
               const std::function<bool(const DatasetFile&, int, Fields&&)>& on_row);

// The column names the files give (header rows, then Path, then partition keys).
std::vector<std::string> read_column_names(const std::vector<DatasetFile>& files,
                                           const DelimitedOptions& options);

// Names plus types: inferred from the first options.infer_sample_rows rows when
// infer_column_types, string otherwise; set_column_types applied last (an unknown name is
// Error(kInvalidArgument) listing the columns).
std::vector<ColumnInfo> infer_columns(const std::vector<DatasetFile>& files,
                                      const DelimitedOptions& options);

// The first `n` rows converted to the column types (JSON array of arrays). A value that does
// not fit a set type is Error(kInvalidArgument) naming file:line and column.
nlohmann::json take_rows(const std::vector<DatasetFile>& files, const DelimitedOptions& options,
                         const std::vector<ColumnInfo>& columns, int n);

}  // namespace runnel::internal

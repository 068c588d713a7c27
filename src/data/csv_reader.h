// data/csv_reader.h: splitting UTF-8 delimited text into rows of fields.
//
// A thin adapter over libcsv (Debian libcsv-dev, RFC 4180 quoting) that adds what libcsv
// lacks: the line number where each row starts, and the support_multi_line switch.
// Behaviour:
//   - Fields are kept as written: no trimming of spaces (libcsv's default trimming is off).
//   - An empty *unquoted* field is std::nullopt (a null); a quoted empty field "" is "".
//   - Blank lines are skipped. CRLF and LF both end rows.
//   - Quoted fields may hold the separator and doubled quotes ("a ""b"""). They may hold
//     line breaks only with multi_line; otherwise an unterminated quote at the end of a line
//     is Error(kInvalidArgument) "file:line: ... set support_multi_line".
//   - Malformed quoting (a quote inside an unquoted field, text after a closing quote) is
//     Error(kInvalidArgument) naming file:line.
// Thread-safe (no shared state).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::internal {

struct CsvRow {
  int line = 0;  // 1-based line where the row starts
  std::vector<std::optional<std::string>> fields;
};

struct CsvOptions {
  char separator = ',';
  bool multi_line = false;
};

// Calls `on_row` for each row of `text` in order; stops early when it returns false.
// `file` is used in error messages only. Throws Error(kInvalidArgument) as above.
void parse_csv(std::string_view text, const CsvOptions& options, const std::string& file,
               const std::function<bool(CsvRow&&)>& on_row);

// Parses a separator as users write it ("," ";" "\t" "tab" "|"); must be one byte.
char parse_separator(const std::string& s);

}  // namespace runnel::internal

// libcsv adapter (data/csv_reader.h). libcsv is fed one line at a time so that every row,
// and every parse error, can be tied to the line it started on.
#include "data/csv_reader.h"

#include <csv.h>

#include "runnel/error.h"

namespace runnel::internal {

namespace {

struct ParseState {
  int line = 0;  // the line being fed
  CsvRow row;
  std::vector<CsvRow> done;  // rows completed by the current chunk
};

void on_field(void* data, size_t len, void* state) {
  auto* s = static_cast<ParseState*>(state);
  if (data == nullptr)
    s->row.fields.emplace_back(std::nullopt);
  else
    s->row.fields.emplace_back(std::string(static_cast<const char*>(data), len));
}

void on_row_end(int, void* state) {
  auto* s = static_cast<ParseState*>(state);
  s->done.push_back(std::move(s->row));
  s->row = CsvRow{};
  s->row.line = s->line;  // a lone CR ends a row mid-line
}

int never_space(unsigned char) { return 0; }

class Parser {
 public:
  explicit Parser(char sep) {
    if (csv_init(&p_, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0)
      throw internal_error("libcsv: cannot initialise a parser");
    csv_set_delim(&p_, static_cast<unsigned char>(sep));
    csv_set_space_func(&p_, never_space);
  }
  ~Parser() { csv_free(&p_); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  csv_parser* get() { return &p_; }

 private:
  csv_parser p_{};
};

}  // namespace

char parse_separator(const std::string& s) {
  if (s == "\\t" || s == "tab" || s == "\t") return '\t';
  if (s.size() != 1 || s[0] == '"' || s[0] == '\n' || s[0] == '\r')
    throw invalid_argument("separator '" + s +
                           "' is not supported: use one character other than a quote or a "
                           "line break (e.g. ',' ';' '|' or '\\t')");
  return s[0];
}

void parse_csv(std::string_view text, const CsvOptions& options, const std::string& file,
               const std::function<bool(CsvRow&&)>& on_row) {
  Parser parser(options.separator);
  ParseState st;
  bool row_open = false;  // a row (necessarily inside a quoted field) continues past a line
  int line = 0;
  auto fail = [&](int at, const std::string& what) {
    throw invalid_argument(file + ":" + std::to_string(at) + ": " + what);
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view chunk = text.substr(pos, end - pos);
    pos = end;
    st.line = ++line;
    if (!row_open) st.row.line = line;
    if (csv_parse(parser.get(), chunk.data(), chunk.size(), on_field, on_row_end, &st) !=
        chunk.size())
      fail(line, "malformed quoting (" + std::string(csv_strerror(csv_error(parser.get()))) +
                     "): a quote inside an unquoted field, or text after a closing quote; "
                     "quote the whole field and double the quotes inside it");
    // After a line break libcsv is between rows unless it is inside a quoted field.
    row_open = chunk.back() == '\n' && parser.get()->pstate != 0;
    if (row_open && !options.multi_line)
      fail(st.row.line,
           "a quoted field runs past the end of the line; if fields hold line breaks, set "
           "support_multi_line (--multi-line), otherwise close the quote");
    for (auto& r : st.done)
      if (!on_row(std::move(r))) return;
    st.done.clear();
  }
  if (csv_fini(parser.get(), on_field, on_row_end, &st) != 0)
    fail(st.row.line, "the file ends inside a quoted field; close the quote");
  for (auto& r : st.done)
    if (!on_row(std::move(r))) return;
}

}  // namespace runnel::internal

// libFuzzer target for decoding + CSV parsing + type inference: any input either parses or
// throws runnel::Error; nothing crashes, hangs or trips the sanitizers.
// Build: cmake -DRUNNEL_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ...; run: ./csv_fuzz
// -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/column_types.h"
#include "data/csv_reader.h"
#include "data/text_decode.h"
#include "runnel/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  const char* encodings[] = {"utf8", "latin1", "windows1252", "ascii"};
  bool multi = data[0] & 1;
  char sep = (data[0] & 2) ? ';' : ',';
  try {
    std::string text = runnel::internal::decode_text(in, encodings[(data[0] >> 2) & 3], "fuzz");
    std::vector<std::optional<std::string>> first_column;
    runnel::internal::parse_csv(text, {sep, multi}, "fuzz", [&](runnel::internal::CsvRow&& r) {
      if (!r.fields.empty()) first_column.push_back(r.fields[0]);
      return true;
    });
    auto col = runnel::internal::infer_column("c", first_column);
    for (const auto& v : first_column) runnel::internal::convert_value(col, v, false);
  } catch (const runnel::Error&) {
  }
  return 0;
}

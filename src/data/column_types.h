// data/column_types.h: inferring and converting the types of delimited-file columns.
//
// Inference looks at a sample of non-null values of one column and picks the narrowest
// type that every value fits, in this order: boolean, integer, float, datetime, string.
//   - null: an empty field (quoted or not). With empty_as_string, empty fields of a string
//     column are "" instead; other columns still read them as null. A column of only nulls
//     is a string column.
//   - boolean: true / false in any letter case (1/0 stay integers; yes/no stay strings).
//   - integer: optional sign and decimal digits that fit in 64 bits, without a leading
//     zero ("0" is fine, "007" is not: codes such as ZIP codes keep their zeros as strings).
//   - float: decimals and exponents (1.5, -.5, 1e-3, 2E+10), nan, inf; a column mixing
//     integers and floats is float. Integers past 64 bits read as float. A leading zero
//     before more digits ("007", "01.5") makes the value a string, as for integers.
//   - datetime: ISO 8601 dates "2024-03-07", "2024/03/07", with an optional time
//     "T13:45", "13:45:07", ".123", "Z", "+02:00"; and day/month forms "07/03/2024",
//     "07-03-2024", "07.03.2024" with the same optional time after a space.
//     Ambiguity rule: for a slash or dash form, one value with a first number above 12
//     makes the whole column day-first, one with a second number above 12 makes it
//     month-first, both make it a string column; when no value decides, month-first (as
//     pandas and the US locale read it). Dotted dates are always day-first.
// Thread-safe (pure functions).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runnel/dataset.h"

namespace runnel::internal {

// Infers the type of a column from sample values (nullopt = null).
ColumnInfo infer_column(const std::string& name,
                        const std::vector<std::optional<std::string>>& values);

// Converts one field to JSON under `col` (null for a null/empty field; "" stays a string
// in a string column when `empty_as_string`). Returns nullopt when the value does not fit
// the type (the caller reports file:line).
std::optional<nlohmann::json> convert_value(const ColumnInfo& col,
                                            const std::optional<std::string>& value,
                                            bool empty_as_string);

// Datetimes: "ymd" / "dmy" / "mdy" order of `value`'s date, or nullopt when it is not a
// date under that order. normalize gives ISO "YYYY-MM-DD[THH:MM:SS[.fff][offset]]".
std::optional<std::string> normalize_datetime(std::string_view value, const std::string& order);

ColumnType parse_column_type(const std::string& s);  // "int", "integer", "float", ...
const char* column_type_name(ColumnType t);          // "integer", "float", ...

}  // namespace runnel::internal

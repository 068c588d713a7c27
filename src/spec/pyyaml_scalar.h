// spec/pyyaml_scalar.h: a plain YAML scalar as az ml hands it to a job.
//
// The az ml CLI (azure-ai-ml) reads job YAML with PyYAML's safe loader, which follows YAML
// 1.1, and sends a literal input as str(value). So a plain (unquoted) scalar that PyYAML
// reads as a boolean, an integer or a float reaches ${{inputs.x}} as Python prints it:
//   yes, On, TRUE -> True        no, off -> False
//   007 -> 7 (octal)   0x1F -> 31   0b101 -> 5   1_000 -> 1000   +3 -> 3   1:30 -> 90
//   1.50 -> 1.5   .5 -> 0.5   1.0e+5 -> 100000.0   0.00001 -> 1e-05   .inf -> inf
// and everything else (1e5, 08, 1.0e5: strings to PyYAML) keeps its text.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace runnel::internal {

// PyYAML's YAML 1.1 booleans: yes/no/on/off/true/false in lower, Title or UPPER case.
std::optional<bool> pyyaml_bool(std::string_view s);

// str(value) of the int or float PyYAML reads from plain scalar `s`; nullopt when PyYAML
// reads it as something else (a string, a boolean, null).
std::optional<std::string> pyyaml_number_text(std::string_view s);

// Python's repr() of a float ("1.5", "1e-05", "1e+16", "100000.0", "inf", "nan").
std::string python_float_repr(double v);

}  // namespace runnel::internal

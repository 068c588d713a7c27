// Plain scalars as az ml sends them: PyYAML's YAML 1.1 reading, then Python's str().
// The expected texts are what `python3 -c "import yaml; print(str(yaml.safe_load('x: S')['x']))"`
// prints (checked with Debian's python3-yaml).
#include "spec/pyyaml_scalar.h"

#include <gtest/gtest.h>

namespace runnel::internal {
namespace {

TEST(PyyamlScalar, Booleans) {
  for (const char* t : {"yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"})
    EXPECT_EQ(pyyaml_bool(t), true) << t;
  for (const char* f : {"no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"})
    EXPECT_EQ(pyyaml_bool(f), false) << f;
  for (const char* s : {"y", "n", "yEs", "oN", "1", ""}) EXPECT_FALSE(pyyaml_bool(s)) << s;
}

TEST(PyyamlScalar, IntegersAsPythonPrintsThem) {
  std::vector<std::pair<const char*, const char*>> cases = {
      {"0", "0"},
      {"7", "7"},
      {"-7", "-7"},
      {"+3", "3"},
      {"007", "7"},
      {"010", "8"},
      {"0x1F", "31"},
      {"-0x10", "-16"},
      {"0b101", "5"},
      {"1_000", "1000"},
      {"1:30", "90"},
      {"1:00:00", "3600"},
      {"10000000000000000", "10000000000000000"},
      {"123456789012345678901234567890", "123456789012345678901234567890"},
      {"1_", "1"}};
  for (auto [in, out] : cases) EXPECT_EQ(pyyaml_number_text(in), std::string(out)) << in;
}

TEST(PyyamlScalar, FloatsAsPythonPrintsThem) {
  std::vector<std::pair<const char*, const char*>> cases = {
      {"1.5", "1.5"},         {"1.50", "1.5"},
      {".5", "0.5"},          {"1.", "1.0"},
      {"0.0001", "0.0001"},   {"0.00001", "1e-05"},
      {"1.0e+5", "100000.0"}, {"1.0e-5", "1e-05"},
      {"1.5e+16", "1.5e+16"}, {"123456789.5", "123456789.5"},
      {"0.1", "0.1"},         {"2.50_0", "2.5"},
      {".inf", "inf"},        {"-.Inf", "-inf"},
      {".NaN", "nan"},        {"1:30.5", "90.5"},
      {"3.14159", "3.14159"}};
  for (auto [in, out] : cases) EXPECT_EQ(pyyaml_number_text(in), std::string(out)) << in;
}

TEST(PyyamlScalar, StringsToPyyamlStayText) {
  for (const char* s : {"1e5", "1e-5", "1e+16", "-.5", "1.0e5", "08", "09", "0x", "abc", "1.2.3",
                        ".", "-", "+", "2026-12-05", "v1", "0o17", "+.nan", "._5", "1:60"})
    EXPECT_FALSE(pyyaml_number_text(s)) << s << " -> " << pyyaml_number_text(s).value_or("");
}

TEST(PythonFloatRepr, ShortestRoundTrip) {
  EXPECT_EQ(python_float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(python_float_repr(1e22), "1e+22");
  EXPECT_EQ(python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(python_float_repr(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(python_float_repr(12345678901234567.0), "1.2345678901234568e+16");
}

}  // namespace
}  // namespace runnel::internal

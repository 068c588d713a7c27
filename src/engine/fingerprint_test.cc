// The fingerprint's command: literal inputs rendered, whitespace normalized, kind ignored
// (a YAML command job and an SDK PythonScriptStep running the same command agree).
#include "engine/fingerprint.h"

#include <gtest/gtest.h>

namespace runnel {
namespace {

using nlohmann::json;

TEST(FingerprintCommand, LiteralsRenderedAndDataPlaceholdersKept) {
  std::map<std::string, std::optional<std::string>> lit = {{"seed", "42"}, {"depth", std::nullopt}};
  EXPECT_EQ(fingerprint_command("python  train.py\n --seed ${{ inputs.seed }} --data ${{inputs.d}}"
                                " $[[--depth ${{inputs.depth}}]]  --out ${{outputs.o}}",
                                "here", lit),
            "python train.py --seed 42 --data ${{inputs.d}} --out ${{outputs.o}}");
}

TEST(FingerprintCommand, WhitespaceInsideQuotesIsKept) {
  EXPECT_EQ(collapse_command_space("  echo  'a   b'   \"c  \\\"  d\"  e\\ \\ f  "), "echo 'a   b' \"c  \\\"  d\" e\\ \\ f");
  EXPECT_NE(collapse_command_space("echo 'a  b'"), collapse_command_space("echo 'a b'"));
}

TEST(FingerprintCommand, KindAndTemplateOnlyExplain) {
  json a = {{"v", 2}, {"kind", "command"}, {"command", "python a.py --n 3"},
            {"command_template", "python a.py --n ${{inputs.n}}"}, {"literal_inputs", {{"n", "3"}}}};
  json b = {{"v", 2}, {"kind", "python_script"}, {"command", "python a.py --n 3"}};
  EXPECT_EQ(fingerprint_of(a), fingerprint_of(b));
  json c = a;
  c["command"] = "python a.py --n 4";
  c["literal_inputs"]["n"] = "4";
  EXPECT_NE(fingerprint_of(a), fingerprint_of(c));
  auto lines = explain_changes(a, c);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "input 'n' changed: 3 -> 4");
  lines = explain_changes(b, c);  // no common template: the command is named
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("command changed: python a.py --n 3 -> python a.py --n 4", 0), 0u) << lines[0];
}

}  // namespace
}  // namespace runnel

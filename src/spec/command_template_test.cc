#include "spec/command_template.h"

#include <gtest/gtest.h>

#include <map>

#include "runnel/error.h"

namespace runnel {
namespace {

std::string render(const std::string& tmpl, const std::map<std::string, std::string>& values) {
  return render_command(
      tmpl, "p.yml:3:5: jobs.a.command", [&](const Placeholder& ph) -> std::optional<std::string> {
        std::string key = (ph.kind == Placeholder::Kind::kInput ? "i." : "o.") + ph.name;
        auto it = values.find(key);
        if (it == values.end()) return std::nullopt;
        return it->second;
      });
}

std::string error_of(const std::string& tmpl) {
  try {
    parse_placeholders(tmpl, "p.yml:3:5: jobs.a.command");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(CommandTemplate, ParsesPlaceholdersWithSpacesAndBlocks) {
  auto phs = parse_placeholders(
      "run ${{ inputs.data }} $[[--seed ${{inputs.seed}}]] "
      "${{outputs.model-out}}",
      "w");
  ASSERT_EQ(phs.size(), 3u);
  EXPECT_EQ(phs[0].kind, Placeholder::Kind::kInput);
  EXPECT_EQ(phs[0].name, "data");
  EXPECT_EQ(phs[0].offset, 4u);
  EXPECT_FALSE(phs[0].in_optional_block);
  EXPECT_EQ(phs[1].name, "seed");
  EXPECT_TRUE(phs[1].in_optional_block);
  EXPECT_EQ(phs[2].kind, Placeholder::Kind::kOutput);
  EXPECT_EQ(phs[2].name, "model-out");
}

TEST(CommandTemplate, RendersValuesAndKeepsOtherText) {
  EXPECT_EQ(render("python t.py --d ${{inputs.d}} --o ${{ outputs.o }} [[x]] $HOME",
                   {{"i.d", "/data"}, {"o.o", "/out"}}),
            "python t.py --d /data --o /out [[x]] $HOME");
}

TEST(CommandTemplate, OptionalBlockKeptWhenSet) {
  EXPECT_EQ(render("t $[[--seed ${{inputs.seed}}]] end", {{"i.seed", "7"}}), "t --seed 7 end");
}

TEST(CommandTemplate, OptionalBlockDroppedWhenUnset) {
  EXPECT_EQ(render("t $[[--seed ${{inputs.seed}}]] end", {}), "t  end");
  EXPECT_EQ(render("t $[[--a ${{inputs.a}} --b ${{inputs.b}}]]$[[ --c ${{inputs.c}}]]",
                   {{"i.a", "1"}, {"i.c", "3"}}),
            "t  --c 3");
}

TEST(CommandTemplate, UnsetOutsideBlockThrows) {
  try {
    render("t ${{inputs.x}}", {});
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("p.yml:3:5: jobs.a.command"), std::string::npos) << m;
    EXPECT_NE(m.find("$[[ ... ]]"), std::string::npos) << m;
  }
}

TEST(CommandTemplate, MalformedPlaceholders) {
  EXPECT_NE(error_of("a ${{inputs.}}").find("names no input"), std::string::npos);
  EXPECT_NE(error_of("a ${{foo.x}}").find("unknown namespace 'foo'"), std::string::npos);
  EXPECT_NE(error_of("a ${{parent.inputs.x}}").find("bind it to a job input"), std::string::npos);
  EXPECT_NE(error_of("a ${{inputs.x").find("unclosed placeholder"), std::string::npos);
  EXPECT_NE(error_of("a $[[ --x ${{inputs.x}}").find("unclosed optional block"), std::string::npos);
  EXPECT_NE(error_of("a $[[ $[[ ]] ]]").find("cannot nest"), std::string::npos);
  EXPECT_NE(error_of("a ${{inputs.a b}}").find("bad name"), std::string::npos);
  EXPECT_EQ(error_of("a ${{inputs.x}}").find("p.yml:3:5"), std::string::npos);  // no error
  EXPECT_EQ(error_of("a ${{inputs.}}").rfind("p.yml:3:5: jobs.a.command: ", 0), 0u);
}

TEST(CommandTemplate, ShellQuote) {
  EXPECT_EQ(shell_quote("/data/x_1.csv"), "/data/x_1.csv");
  EXPECT_EQ(shell_quote("a=b,c@d%e+f:g-h"), "a=b,c@d%e+f:g-h");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$(rm -rf /)"), "'$(rm -rf /)'");
}

}  // namespace
}  // namespace runnel

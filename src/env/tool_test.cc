#include "env/tool.h"

#include <gtest/gtest.h>

#include "runnel/error.h"

namespace runnel::env {
namespace {

TEST(Tool, CapturesOutputAndExitCode) {
  ToolResult r = run_tool({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
  EXPECT_FALSE(r.ok());
}

TEST(Tool, MissingProgramIsReportedNotThrown) {
  ToolResult r = run_tool({"/nonexistent/tool-xyz"});
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.output.find("No such file"), std::string::npos) << r.output;
}

TEST(Tool, TimeLimitKillsTheChild) {
  ToolOptions o;
  o.timeout = std::chrono::milliseconds(200);
  auto t0 = std::chrono::steady_clock::now();
  ToolResult r = run_tool({"sh", "-c", "sleep 30"}, o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(Tool, EnvironmentIsPassed) {
  ToolOptions o;
  o.env["RUNNEL_TOOL_TEST"] = "yes";
  ToolResult r = run_tool({"sh", "-c", "echo $RUNNEL_TOOL_TEST"}, o);
  EXPECT_EQ(r.output, "yes\n");
}

TEST(Tool, CheckPythonAcceptsARealPython) {
  std::string v = check_python("/usr/bin/python3", "--python");
  EXPECT_EQ(v.rfind("3.", 0), 0u) << v;
}

TEST(Tool, CheckPythonRefusesOtherPrograms) {
  for (const char* bad : {"/bin/true", "/bin/false", "/nonexistent/python"}) {
    try {
      check_python(bad, "--python");
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(std::string("--python ") + bad), std::string::npos)
          << e.what();
    }
  }
}

TEST(Tool, TailOf) {
  EXPECT_EQ(tail_of("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(tail_of("a\nb\n", 5), "a\nb\n");
}

}  // namespace
}  // namespace runnel::env

// --query and -o tsv as az prints them for the job verbs.
#include "cli/json_query.h"

#include <gtest/gtest.h>

#include "runnel/error.h"

using nlohmann::json;

namespace runnel::cli {
namespace {

TEST(JsonQuery, FieldPathsIndexesAndProjections) {
  json job = json::parse(R"({"name": "run-1", "status": "Completed",
      "services": {"Studio": {"endpoint": "http://127.0.0.1:8265/runs/run-1"}},
      "steps": [{"name": "a", "status": "Reused"}, {"name": "b", "status": "Finished"}],
      "display name": "x"})");
  EXPECT_EQ(query_json(job, "status"), "Completed");
  EXPECT_EQ(query_json(job, "services.Studio.endpoint"), "http://127.0.0.1:8265/runs/run-1");
  EXPECT_EQ(query_json(job, "steps[0].name"), "a");
  EXPECT_EQ(query_json(job, "steps[-1].status"), "Finished");
  EXPECT_EQ(query_json(job, "steps[].name"), json({"a", "b"}));
  EXPECT_EQ(query_json(job, "steps[*].status"), json({"Reused", "Finished"}));
  EXPECT_EQ(query_json(job, "\"display name\""), "x");
  EXPECT_TRUE(query_json(job, "nope.deeper").is_null());  // missing: null, not an error
  EXPECT_TRUE(query_json(job, "steps[5]").is_null());
  json list = json::array({job, job});
  EXPECT_EQ(query_json(list, "[0].name"), "run-1");
  EXPECT_EQ(query_json(list, "[].status"), json({"Completed", "Completed"}));
}

TEST(JsonQuery, RefusesWhatItDoesNotTakeNamingIt) {
  for (const char* e : {"steps[?status=='Failed']", "a | b", "length(steps)", "a.", ".a", "a..b",
                        "{n: name}", "steps[x]", "a b"}) {
    try {
      query_json(json::object(), e);
      ADD_FAILURE() << e << " was taken";
    } catch (const Error& err) {
      EXPECT_EQ(err.code(), ErrorCode::kInvalidArgument);
      std::string m = err.what();
      EXPECT_NE(m.find(std::string("--query '") + e + "'"), std::string::npos) << m;
      EXPECT_NE(m.find("use jq"), std::string::npos) << m;
    }
  }
}

TEST(Tsv, PrintsAsAzDoes) {
  EXPECT_EQ(tsv_text("run-1"), "run-1\n");
  EXPECT_EQ(tsv_text(3), "3\n");
  EXPECT_EQ(tsv_text(true), "True\n");
  EXPECT_EQ(tsv_text(nullptr), "");
  EXPECT_EQ(tsv_text(json({"a", "b"})), "a\nb\n");
  EXPECT_EQ(tsv_text(json::parse(R"({"name": "r", "n": 2, "nested": {"x": 1}})")), "2\tr\n")
      << "nested values are left out; the others in key order";
  EXPECT_EQ(tsv_text(json::parse(R"([{"name": "r1", "status": "Completed"},
                                      {"name": "r2", "status": "Failed"}])")),
            "r1\tCompleted\nr2\tFailed\n");
}

}  // namespace
}  // namespace runnel::cli

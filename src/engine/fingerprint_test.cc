// The fingerprint's command: literal inputs rendered, whitespace normalized, kind ignored
// (a YAML command job and an SDK PythonScriptStep running the same command agree).
#include "engine/fingerprint.h"

#include <gtest/gtest.h>

#include <functional>

#include "core/sha256.h"

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
  EXPECT_EQ(collapse_command_space("  echo  'a   b'   \"c  \\\"  d\"  e\\ \\ f  "),
            "echo 'a   b' \"c  \\\"  d\" e\\ \\ f");
  EXPECT_NE(collapse_command_space("echo 'a  b'"), collapse_command_space("echo 'a b'"));
}

TEST(FingerprintCommand, KindAndTemplateOnlyExplain) {
  json a = {{"v", 2},
            {"kind", "command"},
            {"command", "python a.py --n 3"},
            {"command_template", "python a.py --n ${{inputs.n}}"},
            {"literal_inputs", {{"n", "3"}}}};
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
  EXPECT_EQ(lines[0].rfind("command changed: python a.py --n 3 -> python a.py --n 4", 0), 0u)
      << lines[0];
}

// A fingerprint's digest never changes across runnel versions for the same components (or
// every earlier run stops being reused): explanation-only members are left out at every
// depth, the rest is the SHA-256 of the compact, key-sorted JSON. The digest below was
// computed independently (Python's json.dumps(sort_keys=True) + hashlib).
TEST(FingerprintOf, DigestIsStable) {
  json c = json::parse(R"({"v": 2, "kind": "command", "command": "cat ${{inputs.x}}",
    "command_template": "cat ${{inputs.x}}", "literal_inputs": {}, "code": null,
    "decision": "reused run r1", "committed_outputs": {"o": {"digest": "ab", "files": {"a": "b"}}},
    "inputs": {"x": {"digest": "d", "files": {"f": "g"}, "source": "/tmp/x", "mode": "ro_mount", "type": "uri_file"}},
    "environment": {"packages": "p", "package_list": ["a==1"], "python": "/usr/bin/python3",
                    "python_version": "3.11", "variables": {}},
    "outputs": {"o": "uri_folder"}, "params": {"lr": "0.1"}, "env_vars": {}, "hash_paths": {}})");
  EXPECT_EQ(fingerprint_of(c), "18d8eec5400c86d627bca8941c16503d951f26f76479a230007c9c3504d17742");
}

// The streaming digest is the digest of the definition: essential() of the components,
// minus the top-level explanation-only members, dumped; for escapes, non-ASCII text,
// numbers of every kind and explanation-only members nested in arrays too.
TEST(FingerprintOf, StreamingDigestEqualsTheDefinition) {
  auto definition = [](const json& c) {
    json out = json::object();
    if (!c.is_object()) return runnel::sha256_hex(c.dump());
    for (const auto& [k, v] : c.items()) {
      if (k == "kind" || k == "command_template" || k == "literal_inputs" || k == "files" ||
          k == "source" || k == "package_list" || k == "decision" || k == "committed_outputs")
        continue;
      out[k] = v;
    }
    // nested explanation-only members, at any depth
    std::function<json(const json&)> strip = [&](const json& x) -> json {
      if (x.is_object()) {
        json o = json::object();
        for (const auto& [k, v] : x.items())
          if (k != "files" && k != "source" && k != "package_list" && k != "decision" &&
              k != "committed_outputs")
            o[k] = strip(v);
        return o;
      }
      if (x.is_array()) {
        json a = json::array();
        for (const auto& v : x) a.push_back(strip(v));
        return a;
      }
      return x;
    };
    return runnel::sha256_hex(strip(out).dump());
  };
  for (
      const char* text : {
          R"({})",
          R"([])",
          R"("just a string")",
          R"({"kind": "x", "v": 2})",
          R"({"command": "echo \"quoted\" \\ back\tslash\n", "params": {"k\"ey": "v\u0001"}})",
          R"({"inputs": {"é-ü": {"digest": "d", "files": {"a": "b"}}, "日本": [1, 2.5, -3, 1e300]}})",
          R"({"a": [{"files": {"x": 1}, "keep": true}, [], {}, null, false], "b": {"source": "s"}})",
          R"({"n": 0.1, "m": 12345678901234567890, "o": -0.0, "p": 3.14159265358979})",
          R"({"kind": {"nested": "kind is kept below the top"}, "x": {"kind": 1}})",
      }) {
    json c = json::parse(text);
    EXPECT_EQ(fingerprint_of(c), definition(c)) << text;
  }
}

// json_member gives what json::parse(text)[key] gives, for every member of a stored
// fingerprint, and null where parse would fail before the member or find nothing.
TEST(JsonMember, SameAsParsingTheWholeObject) {
  json fp = json::parse(R"({
    "v": 2, "code": null, "command": "cat ${{inputs.x}} > ${{outputs.o}}",
    "committed_outputs": {"o": {"digest": "ab", "files": {"a/b.txt": "cd+x"}}},
    "decision": "reused run r1",
    "inputs": {"x": {"digest": "d", "files": {}, "mode": "ro_mount"}},
    "nested": {"decision": "not this one", "list": [1, 2.5, true, "s", null, {"k": [3, {}]}, []]},
    "empty": []})");
  std::string text = fp.dump();
  for (const auto& [k, v] : fp.items()) EXPECT_EQ(json_member(text, k), v) << k;
  EXPECT_EQ(json_member(text, "decision"), "reused run r1");  // the top-level one only
  EXPECT_TRUE(json_member(text, "missing").is_null());
  EXPECT_TRUE(json_member(fp.dump(2), "committed_outputs") == fp["committed_outputs"]);
  EXPECT_TRUE(json_member("", "decision").is_null());
  EXPECT_TRUE(json_member("{\"decision\": \"x", "decision").is_null());  // truncated
  EXPECT_TRUE(json_member("{\"a\": [1,, \"decision\": \"x\"}", "decision").is_null());
  EXPECT_TRUE(json_member("[{\"decision\": \"x\"}]", "decision").is_null());
  EXPECT_TRUE(json_member("\"decision\"", "decision").is_null());
  // Reading stops after the member (runnel writes each key once, in sorted order).
  EXPECT_EQ(json_member("{\"decision\": {\"a\": [1]}, \"z\": oops", "decision"),
            json::parse("{\"a\": [1]}"));
  EXPECT_EQ(json_member("{\"decision\": 1, \"decision\": 2}", "decision"), 1);
}

}  // namespace
}  // namespace runnel

TEST(FingerprintExplain, NamesAChangedDistribution) {
  nlohmann::json a = {{"v", 1}}, b = a, c = a;
  b["distribution"] = {
      {"type", "pytorch"}, {"instance_count", 2}, {"process_count_per_instance", 4}};
  c["distribution"] = {{"type", "tensorflow"}, {"worker_count", 2}, {"parameter_server_count", 1}};
  auto lines = runnel::explain_changes(a, b);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "distribution changed: one process -> pytorch, 2 nodes x 4 processes");
  lines = runnel::explain_changes(b, c);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "distribution changed: pytorch, 2 nodes x 4 processes -> tensorflow, 2 workers + 1 ps");
}

TEST(FingerprintExplain, NamesAChangedImage) {
  nlohmann::json a = {{"v", 2}, {"environment", {{"python", "/usr/bin/python3"}}}}, b = a, c = a;
  b["environment"]["image"] = "python:3.11";
  c["environment"]["image"] = "localhost/py:1";
  auto lines = runnel::explain_changes(a, b);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "container image changed: none -> python:3.11");
  lines = runnel::explain_changes(b, c);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "container image changed: python:3.11 -> localhost/py:1");
  EXPECT_NE(runnel::fingerprint_of(a), runnel::fingerprint_of(b));
}

TEST(FingerprintExplain, NamesAChangedImageCondaFileAndDestinations) {
  nlohmann::json a = {{"v", 2}, {"environment", {{"python", "/usr/bin/python3"}}}}, b = a;
  b["environment"]["image"] = "python:3.12-slim";
  b["environment"]["conda_file"] = "d1";
  b["destinations"] = {{{"datastore", "dst"}, {"path", "copied"}}};
  auto lines = runnel::explain_changes(a, b);
  EXPECT_EQ(lines, (std::vector<std::string>{"container image changed: none -> python:3.12-slim",
                                             "conda file changed",
                                             "destinations written in place changed"}));
}

// libFuzzer target: the command template (spec/command_template.h) and the reference and
// binding forms of spec/yaml_refs.h on arbitrary text. The first byte picks which parser;
// the rest is the text. Only runnel::invalid_argument may escape a parser.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "runnel/error.h"
#include "spec/command_template.h"
#include "spec/yaml_refs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0];
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  runnel::internal::YamlDoc doc{"fuzz.yml", "/nonexistent-runnel-fuzz"};
  runnel::internal::yaml::Node none;
  try {
    switch (which % 6) {
      case 0: {
        auto phs = runnel::parse_placeholders(text, "fuzz");
        // Every other placeholder unset: exercises optional blocks and the unset error.
        size_t n = 0;
        std::string out = runnel::render_command(
            text, "fuzz", [&](const runnel::Placeholder& ph) -> std::optional<std::string> {
              if (ph.offset >= text.size()) __builtin_trap();
              if (n++ % 2) return std::nullopt;
              return "<" + ph.name + ">";
            });
        (void)phs;
        (void)out;
        break;
      }
      case 1:
        runnel::internal::parse_binding(doc, none, "x", text);
        break;
      case 2: {
        std::string ds, p;
        runnel::internal::resolve_output_path(doc, none, "x", text, &ds, &p);
        break;
      }
      case 3:
        runnel::internal::resolve_environment_name(doc, none, "x", text);
        break;
      case 4:
        runnel::internal::resolve_data_path(doc, none, "x", text, runnel::DataType::kUriFolder);
        break;
      default:
        runnel::shell_quote(text);
        runnel::internal::resolve_compute_name(text);
        break;
    }
  } catch (const runnel::Error& e) {
    if (e.code() != runnel::ErrorCode::kInvalidArgument) throw;
  }
  return 0;
}

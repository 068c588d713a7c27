// libFuzzer target: the pipeline YAML loader (spec/yaml_loader.h) on arbitrary bytes.
// Any outcome but a loaded pipeline or runnel::invalid_argument is a bug: a crash, a hang,
// another exception (an "internal error"), or a loaded pipeline that cannot be stored as
// JSON with its run. Relative paths resolve against a folder that the first call creates
// (with a data file, a data folder, a code folder and a component file to refer to).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "runnel/error.h"
#include "spec/spec_json.h"
#include "spec/yaml_loader.h"

namespace {

std::string fixture_dir() {
  namespace fs = std::filesystem;
  static const std::string dir =
      [] {
        fs::path d = fs::temp_directory_path() / "runnel-fuzz-yaml";
        fs::create_directories(d / "data");
        fs::create_directories(d / "src");
        std::ofstream(d / "data.csv") << "a,b\n1,2\n";
        std::ofstream(d / "src" / "train.py") << "print('hi')\n";
        std::ofstream(d / "comp.yml")
            << "type: command\ninputs:\n  x: {type: uri_folder}\n  n: {type: integer, default: 1}\n"
               "outputs:\n  o: {type: uri_folder}\ncode: ./src\n"
               "command: python train.py ${{inputs.x}} ${{inputs.n}} ${{outputs.o}}\n";
        return d.string();
      }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = fixture_dir() + "/pipeline.yml";
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    runnel::PipelineSpec spec = runnel::load_pipeline_yaml_string(text, path);
    // What a run stores: must not throw (nlohmann throws on invalid UTF-8).
    std::string json = runnel::spec_to_json(spec).dump();
    runnel::spec_from_json(nlohmann::json::parse(json));
  } catch (const runnel::Error& e) {
    if (e.code() != runnel::ErrorCode::kInvalidArgument) throw;
  }
  return 0;
}

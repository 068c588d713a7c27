// spec/spec_json.h: a PipelineSpec as JSON and back, losslessly, so that a run can store
// the resolved pipeline it ran (and the studio can show it).
// The JSON carries "format": 1; enums are written by their YAML names ("uri_folder").
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "spec/pipeline_spec.h"

namespace runnel {

nlohmann::json spec_to_json(const PipelineSpec& p);

// spec_to_json(p).dump(), byte for byte, written without building the JSON value (several
// times faster: the run record of every run holds it).
std::string spec_to_json_text(const PipelineSpec& p);

// An input's OutputDatasetRead as spec_to_json writes it (also what the step's fingerprint
// holds for it).
nlohmann::json output_dataset_read_json(const OutputDatasetRead& r);

// Appends `v` as a JSON string, exactly as nlohmann::json::dump() writes it (and throws as
// it does on invalid UTF-8): writers that produce a dump's text without the value.
void append_json_string(std::string& out, std::string_view v);

// The inverse of spec_to_json. Missing fields take their defaults; a field of the wrong
// JSON type or an unknown enum name throws runnel::invalid_argument naming the field.
PipelineSpec spec_from_json(const nlohmann::json& j);

}  // namespace runnel

// engine/git_info.h: where the submitted code came from (repository, branch, commit,
// dirty), recorded with every pipeline run like Azure ML's azureml.git.* properties.
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace runnel {

// {"repository", "branch", "commit", "dirty"} for the git repository holding `dir`
// (found by walking up), with each field overridable by RUNNEL_GIT_REPOSITORY_URI /
// _BRANCH / _COMMIT / _DIRTY (or the AZUREML_GIT_* names). null when `dir` is not in a
// repository and no override is set. Never throws: git problems give null fields.
nlohmann::json git_info(const std::string& dir);

}  // namespace runnel

#include "engine/git_info.h"

#include <git2.h>

#include <cstdlib>
#include <mutex>

namespace runnel {

namespace {

const char* env_override(const char* runnel_name, const char* azureml_name) {
  const char* v = std::getenv(runnel_name);
  if (!v) v = std::getenv(azureml_name);
  return v;
}

int count_status(const char*, unsigned int flags, void* payload) {
  if (flags & GIT_STATUS_IGNORED) return 0;
  if (flags != GIT_STATUS_CURRENT) {
    *static_cast<bool*>(payload) = true;
    return 1;  // stop at the first change
  }
  return 0;
}

}  // namespace

nlohmann::json git_info(const std::string& dir) {
  static std::once_flag init;
  std::call_once(init, [] { git_libgit2_init(); });
  nlohmann::json j = nullptr;
  git_buf root = GIT_BUF_INIT;
  git_repository* repo = nullptr;
  if (git_repository_discover(&root, dir.c_str(), 0, nullptr) == 0 &&
      git_repository_open(&repo, root.ptr) == 0) {
    j = nlohmann::json::object();
    git_remote* remote = nullptr;
    if (git_remote_lookup(&remote, repo, "origin") == 0) {
      j["repository"] = git_remote_url(remote) ? git_remote_url(remote) : "";
      git_remote_free(remote);
    } else {
      j["repository"] = git_repository_workdir(repo) ? git_repository_workdir(repo) : root.ptr;
    }
    git_reference* head = nullptr;
    if (git_repository_head(&head, repo) == 0) {
      j["branch"] = git_reference_is_branch(head) ? git_reference_shorthand(head) : "HEAD";
      const git_oid* oid = git_reference_target(head);
      if (oid) j["commit"] = git_oid_tostr_s(oid);
      git_reference_free(head);
    } else {
      j["branch"] = nullptr;
      j["commit"] = nullptr;
    }
    bool dirty = false;
    git_status_options opts = GIT_STATUS_OPTIONS_INIT;
    opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    git_status_foreach_ext(repo, &opts, count_status, &dirty);
    j["dirty"] = dirty;
    git_repository_free(repo);
  }
  git_buf_dispose(&root);
  struct Field {
    const char* key;
    const char* runnel;
    const char* azureml;
  };
  for (const Field& f :
       {Field{"repository", "RUNNEL_GIT_REPOSITORY_URI", "AZUREML_GIT_REPOSITORY_URI"},
        Field{"branch", "RUNNEL_GIT_BRANCH", "AZUREML_GIT_BRANCH"},
        Field{"commit", "RUNNEL_GIT_COMMIT", "AZUREML_GIT_COMMIT"},
        Field{"dirty", "RUNNEL_GIT_DIRTY", "AZUREML_GIT_DIRTY"}}) {
    const char* v = env_override(f.runnel, f.azureml);
    if (!v) continue;
    if (j.is_null()) j = nlohmann::json::object();
    if (std::string(f.key) == "dirty") {
      std::string s = v;
      j[f.key] = (s == "1" || s == "true" || s == "True");
    } else {
      j[f.key] = v;
    }
  }
  return j;
}

}  // namespace runnel

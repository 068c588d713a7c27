// Reuse: code snapshots, fingerprints, finding an earlier run to take, and the claim
// that keeps two concurrent runs from computing the same step twice (docs/design.md §6).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "core/fs.h"
#include "core/ids.h"
#include "core/units.h"
#include "data/materialize.h"
#include "data/registry.h"
#include "data/remote_sync.h"
#include "engine/engine.h"
#include "engine/execution_impl.h"
#include "engine/process_identity.h"
#include "runnel/error.h"
#include "spec/command_template.h"
#include "spec/spec_json.h"

using nlohmann::json;

namespace runnel {

namespace {

uint64_t config_u64(const Workspace& ws, const std::string& key, uint64_t fallback) {
  std::string v = ws.config_value(key);
  if (v.empty()) return fallback;
  try {
    return std::stoull(v);
  } catch (const std::exception&) {
    throw invalid_argument(ws.runnel_dir() + "/config.json: " + key + ": expected a number, got '" +
                           v + "'");
  }
}

// A size in the workspace config: a number of bytes or a string in the units grammar.
uint64_t config_size(const Workspace& ws, const std::string& key, uint64_t fallback) {
  std::string v = ws.config_value(key);
  if (v.empty()) return fallback;
  return static_cast<uint64_t>(parse_size(v, ws.runnel_dir() + "/config.json: " + key));
}

// This process's start time, read from /proc once per pid (a claim is taken per step).
uint64_t own_start_time() {
  static std::mutex mu;
  static pid_t pid = 0;
  static uint64_t start = 0;
  std::lock_guard<std::mutex> lock(mu);
  if (pid != ::getpid()) {
    pid = ::getpid();
    start = process_start_time(pid);
  }
  return start;
}

}  // namespace

void PipelineExecution::Impl::take_snapshots() {
  SnapshotLimits limits;
  limits.max_bytes = options.snapshot_max_bytes
                         ? options.snapshot_max_bytes
                         : config_size(ws, "snapshot.max_bytes", limits.max_bytes);
  limits.max_files = options.snapshot_max_files
                         ? options.snapshot_max_files
                         : config_u64(ws, "snapshot.max_files", limits.max_files);
  if (const char* e = std::getenv("RUNNEL_SNAPSHOT_NO_FILE_LIMIT"); e && *e) limits.max_files = 0;
  if (const char* e = std::getenv("AML_SNAPSHOT_NO_FILE_LIMIT"); e && *e) limits.max_files = 0;
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const StepSpec& st = spec.steps[i];
    if (st.code_dir.empty() || snapshots_.count(st.code_dir)) continue;
    std::string where = st.loc_of("code").to_string() + ": jobs." + st.name + ".code: ";
    if (!is_directory(st.code_dir))
      throw not_found(where + "code folder " + st.code_dir +
                      " does not exist; create it or fix the path");
    try {
      snapshots_[st.code_dir] =
          create_snapshot(st.code_dir, ws.runnel_dir() + "/snapshots", limits, stat_cache_.get());
    } catch (const Error& e) {
      throw Error(e.code(), where + "snapshot of " + st.code_dir + " failed: " + e.what());
    }
  }
  // A `python script.py` command whose script is not in the code folder fails at submit.
  for (const auto& st : spec.steps) {
    const std::string& c = st.command;
    size_t p = c.find_first_not_of(" \t\n");
    if (p == std::string::npos) continue;
    size_t e = c.find_first_of(" \t\n", p);
    std::string exe = c.substr(p, e == std::string::npos ? std::string::npos : e - p);
    if (exe != "python" && exe != "python3") continue;
    size_t q = e == std::string::npos ? std::string::npos : c.find_first_not_of(" \t\n", e);
    if (q == std::string::npos) continue;
    size_t qe = c.find_first_of(" \t\n", q);
    std::string script = c.substr(q, qe == std::string::npos ? std::string::npos : qe - q);
    if (script.size() > 1 && script.front() == '\'' && script.back() == '\'')
      script = script.substr(1, script.size() - 2);
    if (script.size() < 4 || script.compare(script.size() - 3, 3, ".py") != 0 || script[0] == '/' ||
        script.find("${{") != std::string::npos)
      continue;
    std::string base = st.code_dir.empty() ? spec.base_dir : st.code_dir;
    if (!path_exists(base + "/" + script))
      throw not_found(st.loc_of("command").to_string() + ": jobs." + st.name + ".command: script " +
                      script + " not found in " +
                      (st.code_dir.empty() ? "the pipeline's folder " : "code folder ") + base +
                      "; check the script name or the `code:` folder");
  }
}

void PipelineExecution::Impl::check_dataset_input(const StepInput& in) const {
  const InputSource& src = *in.source;
  auto [ds_name, ds_version] = internal::parse_dataset_ref(src.dataset);
  if (!src.version.empty() && src.version != "latest")
    ds_version = internal::parse_dataset_ref(ds_name + ":" + src.version).second;
  auto rec = ws.store().get_dataset(ds_name, ds_version);
  if (!rec) {
    try {
      internal::load_state(ws, ds_name, ds_version);  // throws the registry's own message
    } catch (const Error& e) {
      throw Error(e.code(), std::string(e.what()) + "; register it with `runnel dataset register " +
                                ds_name + " PATH...` or pick one from `runnel dataset list`");
    }
    throw not_found("dataset '" + src.dataset +
                    "' is not registered; register it with `runnel dataset register " + ds_name +
                    " PATH...`");
  }
  if (rec->kind == "tabular" && in.mode != InputMode::kDirect)
    throw invalid_argument("dataset '" + ds_name + "' version " + std::to_string(rec->version) +
                           " is tabular, and tabular datasets support mode: direct only (got " +
                           input_mode_name(in.mode) +
                           "); use mode: direct and read it with run.input_datasets['" + in.name +
                           "'].to_pandas_dataframe()");
  if (in.type == DataType::kUriFile) {
    json manifest =
        json::parse(rec->manifest_json.empty() ? "[]" : rec->manifest_json, nullptr, false);
    size_t n = manifest.is_array()                                  ? manifest.size()
               : manifest.is_object() && manifest.contains("files") ? manifest["files"].size()
                                                                    : 1;
    if (n != 1)
      throw invalid_argument("dataset '" + ds_name + "' has " + std::to_string(n) +
                             " files, so it cannot be a uri_file input; use type: uri_folder");
  }
}

void PipelineExecution::Impl::check_dataset_inputs() const {
  for (const auto& st : spec.steps)
    for (const auto& in : st.inputs) {
      if (!in.source || in.source->kind != InputSource::Kind::kDataset) continue;
      try {
        check_dataset_input(in);
      } catch (const Error& err) {
        throw Error(err.code(), st.loc_of("inputs." + in.name).to_string() + ": jobs." + st.name +
                                    ".inputs." + in.name + ": " + err.what());
      }
    }
}

bool PipelineExecution::Impl::inputs_known(int i) const {
  const auto& inputs = spec.steps[i].inputs;
  for (size_t k = 0; k < inputs.size(); ++k) {
    int p = steps[i].input_producer[k];
    if (p >= 0 && !steps[p].output_digests.count(inputs[k].source->output)) return false;
  }
  return true;
}

void PipelineExecution::Impl::compute_fingerprint(int i) {
  StepSlot& s = steps[i];
  const StepSpec& st = spec.steps[i];
  json c;
  c["v"] = 2;
  // The rendered command (literal inputs substituted) is what is fingerprinted; the kind,
  // the template and the literal values only explain (fingerprint.h).
  std::map<std::string, std::optional<std::string>> literal;
  json literal_json = json::object();
  for (const Placeholder& ph : parse_placeholders(
           st.command, st.loc_of("command").to_string() + ": jobs." + st.name + ".command")) {
    if (ph.kind != Placeholder::Kind::kInput || literal.count(ph.name)) continue;
    const StepInput* in = st.find_input(ph.name);
    if (!in) continue;
    if (!in->source) {
      literal[ph.name] = std::nullopt;
      literal_json[ph.name] = nullptr;
    } else if (in->source->kind == InputSource::Kind::kLiteral) {
      literal[ph.name] = literal_input_text(*in);
      literal_json[ph.name] = in->source->value;
    }
  }
  c["kind"] = st.kind;
  // A step that never reuses (is_deterministic: false, allow_reuse=False) is keyed apart:
  // its run is not what a deterministic step with the same command and inputs would make,
  // so it never serves one (the key is absent otherwise: other fingerprints are unchanged).
  if (!st.allow_reuse) c["deterministic"] = false;
  c["command"] = fingerprint_command(
      st.command, st.loc_of("command").to_string() + ": jobs." + st.name + ".command", literal);
  c["command_template"] = st.command;
  c["literal_inputs"] = literal_json;
  if (!st.code_dir.empty()) {
    const SnapshotInfo& snap = snapshots_.at(st.code_dir);
    json files = json::object();
    if (snap.files.size() <= kMaxListedFiles)
      for (const auto& f : snap.files)
        if (f.kind != EntryKind::kDirectory)
          files[f.path] = f.digest.hex() + (f.kind == EntryKind::kExecutable ? "+x" : "");
    c["code"] = {
        {"digest", snap.digest.hex()}, {"files", files}, {"ignore_file", snap.ignore_file}};
    s.snapshot_archive = snap.archive_path;
  } else {
    c["code"] = nullptr;
  }
  json hp = json::object();
  for (const auto& p : st.hash_paths) hp[p] = digest_data(p, stat_cache_.get()).digest;
  c["hash_paths"] = hp;
  const ResolvedEnvironment& env = envs_.at(st.environment);
  // The package list itself is stored once per digest (see store_package_list), not in
  // every step's fingerprint.
  c["environment"] = {{"python", env.python},
                      {"python_version", env.python_version},
                      {"packages", env.packages_digest},
                      {"variables", env.variables}};
  // The image as named, whether the step runs in it or on the host (env/image.h); absent
  // without one, so that fingerprints made before images existed still match.
  if (!env.image.empty()) c["environment"]["image"] = env.image;
  if (!env.conda_digest.empty()) c["environment"]["conda_file"] = env.conda_digest;
  c["env_vars"] = st.env_vars;
  c["params"] = st.params;
  if (!st.distribution.type.empty()) {  // how many processes run the code, and how they meet
    c["distribution"] = {{"type", st.distribution.type},
                         {"instance_count", std::max(1, st.resources.nodes)},
                         {"process_count_per_instance", st.distribution.process_count_per_instance},
                         {"worker_count", st.distribution.worker_count},
                         {"parameter_server_count", st.distribution.parameter_server_count}};
  }
  json outs = json::object();
  for (const auto& o : st.outputs) outs[o.name] = data_type_name(o.type);
  c["outputs"] = outs;
  if (!st.destinations.empty()) {  // written in place (engine/destinations.cc)
    json dests = json::array();
    for (const auto& d : st.destinations)
      dests.push_back({{"datastore", d.datastore}, {"path", d.path}});
    c["destinations"] = dests;
  }
  json ins = json::object();
  for (size_t k = 0; k < st.inputs.size(); ++k) {
    const StepInput& in = st.inputs[k];
    if (literal.count(in.name)) continue;  // in the rendered command
    json e = {{"type", data_type_name(in.type)}};
    if (!in.source) {
      e["value"] = nullptr;
    } else {
      const InputSource& src = *in.source;
      switch (src.kind) {
        case InputSource::Kind::kLiteral:
          e["value"] = src.value;
          break;
        case InputSource::Kind::kLocalPath: {
          auto it = path_digests_.find(src.path);
          if (it == path_digests_.end()) {
            try {
              it = path_digests_.emplace(src.path, digest_data(src.path, stat_cache_.get())).first;
            } catch (const Error& err) {
              throw Error(err.code(), st.loc_of("inputs." + in.name).to_string() + ": jobs." +
                                          st.name + ".inputs." + in.name + ": " + err.what() +
                                          "; fix the path or create the data");
            }
          }
          e["digest"] = it->second.digest;
          e["files"] = it->second.files;
          e["source"] = src.path;
          e["mode"] = input_mode_name(in.mode);
          break;
        }
        case InputSource::Kind::kStepOutput: {
          const DataDigest& d = steps[s.input_producer[k]].output_digests.at(src.output);
          e["digest"] = d.digest;
          e["files"] = d.files;
          e["source"] = "output " + src.output + " of step " + src.step;
          e["mode"] = input_mode_name(in.mode);
          if (in.as_dataset) e["as_dataset"] = output_dataset_read_json(*in.as_dataset);
          break;
        }
        case InputSource::Kind::kDatastorePath: {
          std::string path = Datastore(ws, src.datastore).path(src.path);
          // An object-store datastore: its cache is brought up to date (one listing; new or
          // changed objects fetched), then digested like a local folder (data/remote_sync.h).
          try {
            internal::sync_datastore_path(ws, src.datastore, src.path);
          } catch (const Error& err) {
            throw Error(err.code(), st.loc_of("inputs." + in.name).to_string() + ": jobs." +
                                        st.name + ".inputs." + in.name + ": " + err.what());
          }
          if (!path_exists(path))
            throw not_found(st.loc_of("inputs." + in.name).to_string() + ": jobs." + st.name +
                            ".inputs." + in.name + ": datastore " + src.datastore + " has no " +
                            src.path + " (" + path +
                            "); upload it first with `runnel datastore upload`");
          DataDigest d = digest_data(path, stat_cache_.get());
          e["digest"] = d.digest;
          e["files"] = d.files;
          e["source"] = "datastore " + src.datastore + ":" + src.path;
          e["mode"] = input_mode_name(in.mode);
          break;
        }
        case InputSource::Kind::kDataset: {
          // The registered version's manifest digest (and a check that its files are
          // unchanged since registration), without materializing anything.
          std::string where = st.loc_of("inputs." + in.name).to_string() + ": jobs." + st.name +
                              ".inputs." + in.name;
          StepInput direct = in;
          direct.mode = InputMode::kDirect;
          ResolvedInput r;
          try {
            check_dataset_input(in);
            internal::sync_dataset_sources(ws, src);  // files on object stores: cache synced
            r = resolve_input(ws, direct, s.state.run_dir + "/fingerprint",
                              options.accept_changed_data);
          } catch (const Error& err) {
            throw Error(err.code(), where + ": " + err.what());
          }
          e["digest"] = r.content_digest;
          e["source"] = "dataset " + src.dataset + (src.version.empty() ? "" : ":" + src.version);
          e["mode"] = input_mode_name(in.mode);
          break;
        }
      }
    }
    ins[in.name] = e;
  }
  c["inputs"] = ins;
  s.fingerprint = c;
  s.fingerprint_digest = fingerprint_of(c);
  s.fingerprinted = true;
}

void PipelineExecution::Impl::decide(int i) {
  StepSlot& s = steps[i];
  if (!s.fingerprinted) compute_fingerprint(i);
  s.reuse.reset();
  if (s.force_run) {
    s.state.decision = "will run (" + s.run_reason + ")";
    s.fingerprint["decision"] = s.state.decision;
    return;
  }
  std::string not_reused;
  std::map<std::string, json> destinations_now;
  for (auto& cand : ws.store().find_by_fingerprint(s.fingerprint_digest)) {
    // Another step of this run with the same fingerprint counts (two uses of one component
    // with the same inputs run once); this step's own earlier attempts do not.
    if (cand.pipeline_run_id == run_id && cand.name == s.state.name) continue;
    // Only the committed outputs' digests are needed of the candidate's components.
    json committed = json_member(cand.fingerprint_json, "committed_outputs");
    std::map<std::string, DataDigest> digests;
    std::string problem;
    for (const auto& o : spec.steps[i].outputs) {
      if (!committed.is_object() || !committed.contains(o.name) || !cand.outputs.count(o.name)) {
        problem = "run " + cand.id + " recorded no output '" + o.name + "'";
        break;
      }
      const std::string& path = cand.outputs.at(o.name);
      try {
        // An output on an object store: cache synced. (Only when the workspace has such a
        // datastore: the lookup walks the datastores' config, per output.)
        if (has_remote_datastore_) internal::sync_if_remote_path(ws, path);
      } catch (const Error& err) {
        if (err.code() != ErrorCode::kNotFound) throw;
        problem = "output '" + o.name + "' of run " + cand.id + " is gone from its datastore (" +
                  err.what() + ")";
        break;
      }
      if (!path_exists(path)) {
        problem = "output '" + o.name + "' of run " + cand.id + " was deleted (" + path + ")";
        break;
      }
      DataDigest now = digest_data(path, stat_cache_.get());
      if (now.digest != committed[o.name].value("digest", "")) {
        problem = "output '" + o.name + "' of run " + cand.id +
                  " was altered since it was committed (" + path + ")";
        break;
      }
      now.files = committed[o.name].contains("files") ? committed[o.name]["files"] : now.files;
      digests[o.name] = now;
    }
    if (problem.empty()) problem = destinations_problem(i, cand, &destinations_now);
    if (!problem.empty()) {
      if (not_reused.empty()) not_reused = problem;
      continue;
    }
    s.reuse = cand;
    s.reuse_committed = committed;
    s.output_digests = digests;
    s.state.decision = "eligible to reuse run " + cand.id;
    s.fingerprint["decision"] = s.state.decision;
    return;
  }
  if (!not_reused.empty()) {
    s.run_reason = not_reused;
  } else {
    s.run_reason = "no earlier run of this step";
    for (const auto& prev : ws.store().previous_step_runs(s.state.name, created_at, 10)) {
      if (prev.pipeline_run_id == run_id) continue;
      json before = fingerprint_components_of(ws.store(), prev);
      if (before.is_null()) continue;
      json after = s.fingerprint;
      attach_package_lists(ws.store(), &before);
      attach_package_lists(ws.store(), &after);
      auto lines = explain_changes(before, after);
      if (lines.empty()) {
        s.run_reason = "the last run of this step with these inputs (" + prev.id + ") ended " +
                       to_string(prev.status);
      } else {
        s.run_reason = lines.front();
        for (size_t k = 1; k < lines.size() && k < 3; ++k) s.run_reason += "; " + lines[k];
        if (lines.size() > 3) s.run_reason += "; ...";
      }
      break;
    }
  }
  s.state.decision = "will run (" + s.run_reason + ")";
  s.fingerprint["decision"] = s.state.decision;
}

void PipelineExecution::Impl::take_reuse(int i) {
  StepSlot& s = steps[i];
  {
    std::lock_guard<std::mutex> lock(mu);
    s.state.outputs = s.reuse->outputs;
    s.state.reused_run_id = s.reuse->id;
    s.state.started_at = now_ms();
  }
  if (!s.reuse_committed.is_null())
    s.fingerprint["committed_outputs"] = std::move(s.reuse_committed);
  s.fingerprint["decision"] = "reused run " + s.reuse->id;
  s.launched = true;
  end_step(i, StepStatus::kReused, "reused run " + s.reuse->id);
}

PipelineExecution::Impl::Claim PipelineExecution::Impl::claim(int i, bool ignore_finished) {
  StepSlot& s = steps[i];
  std::string key = "claim:" + s.fingerprint_digest;
  Claim result = Claim::kMine;
  MetadataStore& store = ws.store();
  store.transaction([&] {
    auto v = store.get_value(key);
    if (v && !v->empty()) {
      json j = json::parse(*v, nullptr, false);
      if (j.is_object()) {
        auto owner = store.get_step_run(j.value("step_run_id", ""));
        bool alive = process_is_alive(j.value("pid", 0), j.value("pid_start", uint64_t{0}));
        bool other = owner && (owner->pipeline_run_id != run_id || owner->name != s.state.name);
        if (other && !is_final(owner->status) && alive) {
          s.waiting_on = owner->id;
          s.waiting_on_step = owner->pipeline_run_id == run_id ? owner->name : std::string();
          result = Claim::kBusy;
          return;
        }
      }
    }
    // Rechecked under the write lock: a run that finished this step after we decided
    // released its claim only after recording Finished, so it is found here.
    if (!ignore_finished && !s.force_run)
      for (const auto& cand : store.find_by_fingerprint(s.fingerprint_digest))
        if (cand.pipeline_run_id != run_id || cand.name != s.state.name) {
          result = Claim::kDoneElsewhere;
          return;
        }
    store.set_value(key, json({{"step_run_id", s.state.step_run_id},
                               {"pid", ::getpid()},
                               {"pid_start", own_start_time()}})
                             .dump());
  });
  if (result == Claim::kMine) {
    s.claim_key = key;
    s.waiting_on.clear();
  }
  return result;
}

void PipelineExecution::Impl::release_claim(int i) {
  StepSlot& s = steps[i];
  if (s.claim_key.empty()) return;
  std::string key = std::exchange(s.claim_key, std::string());
  // Not swallowed: a claim left behind names a step run that is final now, so others
  // ignore it; still, say so.
  try {
    ws.store().set_value(key, "");
  } catch (const Error& e) {
    std::cerr << "runnel: run " << run_id << ": cannot release the claim of step " << s.state.name
              << " (" << e.what() << "); other runs ignore it once this step run is final\n";
  }
  if (engine) engine->claim_released();
}

void PipelineExecution::Impl::record_output_digests(int i) {
  StepSlot& s = steps[i];
  json committed = json::object();
  for (const auto& [name, path] : s.state.outputs) {
    DataDigest d = digest_data(path, stat_cache_.get());
    committed[name] = data_digest_json(d);
    s.output_digests[name] = std::move(d);
  }
  s.fingerprint["committed_outputs"] = committed;
}

}  // namespace runnel

// The /api/v1/runs/{id}/steps/{step}/... endpoints: one step, its logs (Range, live SSE
// follow), why it ran or was reused, its outputs (list a folder, download a file).
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "core/ids.h"
#include "engine/children.h"
#include "runnel/error.h"
#include "server/api_json.h"
#include "server/confine.h"
#include "server/http_util.h"
#include "server/server_impl.h"
#include "server/why_json.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace runnel::server {

namespace {

constexpr const char* kStep = R"(/api/v1/runs/([^/]+)/steps/([^/]+))";
// How often a followed log is checked for new bytes (the one poll of log files).
constexpr auto kLogPoll = std::chrono::milliseconds(200);

std::string read_range(const std::string& path, uint64_t offset, size_t max) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(static_cast<std::streamoff>(offset));
  std::string buf(max, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(max));
  buf.resize(static_cast<size_t>(in.gcount()));
  return buf;
}

uint64_t file_size_or_0(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

std::string mime_of(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  if (ext == ".txt" || ext == ".log" || ext == ".csv" || ext == ".tsv" || ext == ".md")
    return "text/plain; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".html") return "text/html";
  return "application/octet-stream";
}

// Serves a file with a content provider; httplib cuts the requested Range out of it.
// The ranges are fitted to the file first: one that starts past the end is refused with
// 416 and `Content-Range: bytes */<size>` (RFC 9110 14.4) and an end past the end is
// clamped; httplib 0.11 does neither and answered a Content-Length larger than the bytes
// it then sent.
void send_file(const httplib::Request& req, httplib::Response& res, const std::string& path,
               const std::string& mime) {
  const auto size = static_cast<ssize_t>(file_size_or_0(path));
  res.set_header("Accept-Ranges", "bytes");
  if (!req.ranges.empty()) {
    httplib::Ranges fitted;
    for (auto [first, last] : req.ranges) {
      if (first < 0) {  // "bytes=-N": the last N bytes
        if (last <= 0 || size == 0) continue;
        first = size > last ? size - last : 0;
        last = size - 1;
      } else {
        if (first >= size) continue;
        if (last < 0 || last >= size) last = size - 1;
      }
      fitted.emplace_back(first, last);
    }
    // The request is httplib's own (non-const) object; the handler API only hands it out
    // as const. Fitting the ranges here is what makes httplib's headers right.
    auto& ranges = const_cast<httplib::Ranges&>(req.ranges);
    ranges = std::move(fitted);
    if (ranges.empty()) {
      res.set_header("Content-Range", "bytes */" + std::to_string(size));
      send_error(res, 416, "range_not_satisfiable",
                 "the Range header asks for bytes past the end of the file (" +
                     std::to_string(size) + " bytes)",
                 {{"field", "Range"}, {"size", size}});
      return;
    }
  }
  if (size == 0) {
    res.set_content("", mime.c_str());
    return;
  }
  res.set_content_provider(static_cast<size_t>(size), mime.c_str(),
                           [path](size_t offset, size_t length, httplib::DataSink& sink) {
                             std::string chunk =
                                 read_range(path, offset, std::min<size_t>(length, 1 << 20));
                             if (chunk.empty()) return false;
                             return sink.write(chunk.data(), chunk.size());
                           });
}

json entry_json(const fs::directory_entry& e) {
  std::error_code ec;
  std::string type = e.is_directory(ec) ? "dir" : e.is_regular_file(ec) ? "file" : "other";
  json j = {{"name", e.path().filename().string()}, {"type", type}};
  j["size"] = type == "file" ? static_cast<int64_t>(e.file_size(ec)) : 0;
  struct stat st {};
  j["modified"] = ::stat(e.path().c_str(), &st) == 0
                      ? time_json(static_cast<int64_t>(st.st_mtime) * 1000)
                      : json(nullptr);
  return j;
}

}  // namespace

void Server::Impl::add_step_routes() {
  http.Get(kStep, [this](const httplib::Request& req, httplib::Response& res) {
    PipelineRunRecord r = find_run(req.matches[1]);
    StepRunRecord s = find_step(r, req.matches[2]);
    json detail = json::parse(run_detail(r));
    for (auto& st : detail["steps"])
      if (st["step_run_id"] == s.id) {
        st["children"] = step_children_json(ws, s);  // mini-batches or trials (engine/children.h)
        return send_json(res, 200, st);
      }
    throw ApiError(404, "not_found", "step '" + std::string(req.matches[2]) + "' vanished",
                   {{"field", "step"}});
  });

  http.Get(std::string(kStep) + "/logs/([^/]+)", [this](const httplib::Request& req,
                                                        httplib::Response& res) {
    PipelineRunRecord r = find_run(req.matches[1]);
    StepRunRecord s = find_step(r, req.matches[2]);
    std::string stream = req.matches[3];
    // stdout, stderr, or a ParallelRunStep mini-batch's log (logs/parallel/minibatch-N.txt).
    static const std::regex kMiniBatch(R"(minibatch-[0-9]{1,9})");
    bool mini_batch = std::regex_match(stream, kMiniBatch);
    if (stream != "stdout" && stream != "stderr" && !mini_batch)
      throw ApiError(400, "invalid_argument",
                     "stream: '" + stream + "' is not a log; use stdout, stderr or minibatch-N",
                     {{"field", "stream"}});
    std::string rel = mini_batch ? "/logs/parallel/" + stream + ".txt" : "/logs/" + stream + ".txt";
    std::string file = s.run_dir + rel;
    if (!fs::exists(file) && !s.reused_run_id.empty()) {
      if (auto src = ws.store().get_step_run(s.reused_run_id)) file = src->run_dir + rel;
    }
    bool follow = query_bool(req, "follow", false) ||
                  req.get_header_value("Accept").find("text/event-stream") != std::string::npos;
    if (!follow) {
      if (!fs::exists(file))
        throw ApiError(404, "not_found",
                       "step '" + s.name + "' has no " + stream + " log yet (status " +
                           std::string(to_string(s.status)) + ")",
                       {{"field", "stream"}, {"status", to_string(s.status)}});
      send_file(req, res, file, "text/plain; charset=utf-8");
      return;
    }
    uint64_t offset = static_cast<uint64_t>(query_int(req, "offset", 0, 0, int64_t{1} << 50));
    std::string step_id = s.id;
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [this, file, step_id, offset](
                                                              size_t,
                                                              httplib::DataSink& sink) mutable {
      auto last_check = std::chrono::steady_clock::now() - std::chrono::seconds(10);
      bool ended = false;
      while (!hub.closed()) {
        std::string chunk = read_range(file, offset, 64 * 1024);
        if (!chunk.empty()) {
          json d = {{"offset", offset}, {"text", chunk}};
          offset += chunk.size();
          std::string ev =
              "event: log\ndata: " + d.dump(-1, ' ', false, json::error_handler_t::replace) +
              "\n\n";
          if (!sink.write(ev.data(), ev.size())) return false;
          continue;
        }
        if (ended) break;
        if (std::chrono::steady_clock::now() - last_check > std::chrono::seconds(1)) {
          last_check = std::chrono::steady_clock::now();
          auto cur = ws.store().get_step_run(step_id);
          if (!cur || is_final(cur->status)) {
            ended = true;  // read once more: the last bytes may have landed just now
            continue;
          }
          std::string ka = ": keep-alive\n\n";
          if (!sink.write(ka.data(), ka.size())) return false;
        }
        std::this_thread::sleep_for(kLogPoll);
      }
      auto cur = ws.store().get_step_run(step_id);
      std::string end =
          "event: end\ndata: " +
          json{{"status", cur ? to_string(cur->status) : "unknown"}, {"offset", offset}}.dump() +
          "\n\n";
      sink.write(end.data(), end.size());
      sink.done();
      return true;
    });
  });

  http.Get(std::string(kStep) + "/why",
           [this](const httplib::Request& req, httplib::Response& res) {
             PipelineRunRecord r = find_run(req.matches[1]);
             StepRunRecord s = find_step(r, req.matches[2]);
             send_json(res, 200, why_json(ws, r, s));
           });

  http.Get(std::string(kStep) + "/outputs",
           [this](const httplib::Request& req, httplib::Response& res) {
             PipelineRunRecord r = find_run(req.matches[1]);
             StepRunRecord s = find_step(r, req.matches[2]);
             json detail = json::parse(run_detail(r));
             for (const auto& st : detail["steps"])
               if (st["step_run_id"] == s.id)
                 return send_json(res, 200, {{"outputs", st["outputs"]}});
             send_json(res, 200, {{"outputs", json::array()}});
           });

  // The root folder (or file) of an output; ApiError 404 when it has none yet.
  auto output_root = [this](const httplib::Request& req) {
    PipelineRunRecord r = find_run(req.matches[1]);
    StepRunRecord s = find_step(r, req.matches[2]);
    std::string name = req.matches[3];
    auto it = s.outputs.find(name);
    if (it == s.outputs.end() || !fs::exists(it->second)) {
      json names = json::array();
      for (const auto& [n, _] : s.outputs) names.push_back(n);
      throw ApiError(404, "not_found",
                     "step '" + s.name + "' has no committed output '" + name + "'",
                     {{"field", "output"}, {"outputs", names}});
    }
    return it->second;
  };

  http.Get(std::string(kStep) + "/outputs/([^/]+)/tree", [output_root](const httplib::Request& req,
                                                                       httplib::Response& res) {
    std::string root = output_root(req);
    std::string rel = query(req, "path").value_or("");
    json entries = json::array();
    if (!fs::is_directory(root)) {
      if (!rel.empty())
        throw bad_field("path", "the output is a single file; it has no folder '" + rel + "'");
      entries.push_back(entry_json(fs::directory_entry(root)));
    } else {
      std::string dir = confine_request(root, rel, "path");
      if (!fs::is_directory(dir))
        throw bad_field("path", "'" + rel + "' is a file; download it with .../file?path=");
      std::vector<json> list;
      for (const auto& e : fs::directory_iterator(dir)) list.push_back(entry_json(e));
      std::sort(list.begin(), list.end(),
                [](const json& a, const json& b) { return a["name"] < b["name"]; });
      for (auto& e : list) entries.push_back(std::move(e));
    }
    send_json(res, 200,
              {{"output", std::string(req.matches[3])}, {"path", rel}, {"entries", entries}});
  });

  http.Get(std::string(kStep) + "/outputs/([^/]+)/file",
           [output_root](const httplib::Request& req, httplib::Response& res) {
             std::string root = output_root(req);
             std::string rel = query(req, "path").value_or("");
             std::string file;
             if (!fs::is_directory(root)) {
               if (!rel.empty())
                 throw bad_field("path", "the output is a single file; leave path empty");
               file = root;
             } else {
               if (rel.empty())
                 throw bad_field("path", "name a file inside the output (list them with .../tree)");
               file = confine_request(root, rel, "path");
             }
             if (!fs::is_regular_file(file)) throw bad_field("path", "'" + rel + "' is not a file");
             res.set_header("Content-Disposition",
                            "attachment; filename=\"" + fs::path(file).filename().string() + "\"");
             send_file(req, res, file, mime_of(file));
           });
}

}  // namespace runnel::server

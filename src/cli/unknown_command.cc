// cli/unknown_command.cc: "unknown command 'X'; did you mean `Y`?" (unknown_command.h).
#include "cli/unknown_command.h"

#include <algorithm>

namespace runnel::cli {

size_t edit_distance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::vector<std::string> close_names(const std::string& word,
                                     const std::vector<std::string>& candidates) {
  // A typo: one edit in a short word, two in a longer one (as git and cargo suggest).
  const size_t limit = word.size() <= 4 ? 1 : 2;
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    bool prefix =
        word.size() >= 2 && c.size() > word.size() && c.compare(0, word.size(), word) == 0;
    if (d <= limit || prefix) scored.emplace_back(prefix ? 0 : d, c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [d, c] : scored)
    if (out.size() < 3) out.push_back(c);
  return out;
}

namespace {

// The option `token` names on `app` or on one of its parents (global options such as -w
// may follow a subcommand), or null.
const CLI::Option* find_option(const CLI::App* app, const std::string& token) {
  std::string name = token.substr(0, token.find('='));
  for (; app; app = app->get_parent())
    if (const CLI::Option* o = app->get_option_no_throw(name)) return o;
  return nullptr;
}

std::string command_path(const CLI::App* app) {
  std::string path;
  for (; app; app = app->get_parent()) {
    std::string name = app->get_parent() ? app->get_name() : std::string("runnel");
    path = path.empty() ? name : name + " " + path;
  }
  return path;
}

}  // namespace

std::optional<std::string> unknown_command_message(const CLI::App& root,
                                                   const std::vector<std::string>& args) {
  const CLI::App* app = &root;
  bool option_after = false;  // an option follows the last subcommand word
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& t = args[i];
    if (t == "--") return std::nullopt;
    if (t.size() > 1 && t[0] == '-') {
      option_after = true;
      const CLI::Option* o = find_option(app, t);
      // `-w DIR` or `--workspace DIR` takes the next word; `--workspace=DIR` does not.
      if (o && o->get_expected_min() > 0 && t.find('=') == std::string::npos) ++i;
      continue;
    }
    auto subs = app->get_subcommands([](const CLI::App*) { return true; });
    auto positionals = app->get_options([](const CLI::Option* o) { return o->get_positional(); });
    // A leaf, or a command that takes arguments of its own: the word is its argument.
    if (subs.empty() || !positionals.empty()) return std::nullopt;
    const CLI::App* next = nullptr;
    std::vector<std::string> names;
    for (const CLI::App* s : subs) {
      if (s->check_name(t)) next = s;
      if (!s->get_name().empty()) names.push_back(s->get_name());
    }
    if (next) {
      app = next;
      option_after = false;
      continue;
    }
    std::string path = command_path(app);
    std::string msg = "unknown command '" + t + "' for '" + path + "'";
    auto close = close_names(t, names);
    for (size_t k = 0; k < close.size(); ++k)
      msg += (k == 0 ? "; did you mean `" : k + 1 == close.size() ? "` or `" : "`, `") + close[k];
    if (!close.empty()) msg += "`?";
    msg += "\nrun `" + path + " --help` for " + (app == &root ? "the commands" : "its commands");
    return msg;
  }
  // `runnel job`: a group named without one of its commands (CLI11: "A subcommand is
  // required"). Not the top level, where a bad global option is the likelier error.
  if (args.empty() && !root.get_subcommands([](const CLI::App*) { return true; }).empty())
    return std::string("'runnel' needs a command, such as init, run, runs, job\n") +
           "run `runnel --help` for the commands";
  auto subs = app->get_subcommands([](const CLI::App*) { return true; });
  if (app == &root || option_after || subs.empty() || app->get_require_subcommand_min() == 0)
    return std::nullopt;
  std::string path = command_path(app), names;
  for (const CLI::App* s : subs)
    if (!s->get_name().empty()) names += (names.empty() ? "" : ", ") + s->get_name();
  return "'" + path + "' needs a command: " + names + "\nrun `" + path +
         " --help` for what each does";
}

}  // namespace runnel::cli

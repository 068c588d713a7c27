#include "cli/table.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace runnel::cli {

namespace {
// Display width: count UTF-8 code points, not bytes.
size_t width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
}  // namespace

void Table::print(std::ostream& os) const {
  std::vector<size_t> w;
  for (const auto& r : rows_) {
    if (w.size() < r.size()) w.resize(r.size(), 0);
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], width(r[i]));
  }
  for (const auto& r : rows_) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(w[i] - width(r[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    os << line << "\n";
  }
}

void Table::print_json(std::ostream& os) const {
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::string> keys;
  for (std::string h : rows_[0]) {
    for (auto& c : h)
      c = c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    keys.push_back(h);
  }
  for (size_t r = 1; r < rows_.size(); ++r) {
    nlohmann::json o = nlohmann::json::object();
    for (size_t i = 0; i < keys.size() && i < rows_[r].size(); ++i) o[keys[i]] = rows_[r][i];
    out.push_back(std::move(o));
  }
  os << out.dump(2) << "\n";
}

}  // namespace runnel::cli

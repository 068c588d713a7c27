// cli/table.h: a plain aligned text table for CLI listings. Single-threaded.
#pragma once

#include <iostream>
#include <string>
#include <vector>

namespace runnel::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size() - 1; }
  // Prints with two spaces between columns; the last column is not padded.
  void print(std::ostream& os = std::cout) const;
  // The rows as a JSON list of objects keyed by the lowercased headers (`-o json`).
  void print_json(std::ostream& os = std::cout) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace runnel::cli

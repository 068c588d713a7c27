#include "spec/yaml_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <set>
#include <string_view>
#include <unordered_map>

#include "runnel/error.h"
#include "spec/pyyaml_scalar.h"

namespace runnel::internal {

SourceLocation loc_of(const YamlDoc& doc, const yaml::Node& node) {
  SourceLocation loc;
  loc.file = doc.file;
  if (node.IsDefined() && !node.Mark().is_null()) {
    loc.line = node.Mark().line + 1;
    loc.column = node.Mark().column + 1;
  }
  return loc;
}

void fail_at(const SourceLocation& loc, const std::string& path, const std::string& what,
             const std::string& hint) {
  std::string msg = loc.to_string() + ": ";
  if (!path.empty()) msg += path + ": ";
  msg += what;
  if (!hint.empty()) msg += "; " + hint;
  throw invalid_argument(msg);
}

void fail(const YamlDoc& doc, const yaml::Node& node, const std::string& path,
          const std::string& what, const std::string& hint) {
  fail_at(loc_of(doc, node), path, what, hint);
}

namespace {

// Booleans as az ml's PyYAML reads them (YAML 1.1: yes/no/on/off too); numbers in the
// YAML 1.2 core-schema forms, scanned by hand (linear, no recursion, any length).
bool is_bool_text(std::string_view s) { return pyyaml_bool(s).has_value(); }

// Advances *i over [0-9]*; true when it moved.
bool scan_digits(std::string_view s, size_t* i) {
  size_t b = *i;
  while (*i < s.size() && s[*i] >= '0' && s[*i] <= '9') ++*i;
  return *i > b;
}

// [-+]?[0-9]+
bool is_int_text(std::string_view s) {
  size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  return scan_digits(s, &i) && i == s.size();
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_number_text(std::string_view s) {
  size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!scan_digits(s, &i)) return false;
  } else {
    if (!scan_digits(s, &i)) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      scan_digits(s, &i);
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!scan_digits(s, &i)) return false;
  }
  return i == s.size();
}

// The first byte of `text` that is not part of valid UTF-8 (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF), or npos.
size_t first_invalid_utf8(std::string_view text) {
  size_t i = 0, n = text.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    if (len == 0 || i + len > n) return i;
    unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
    unsigned char lo = 0x80, hi = 0xBF;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    if (c1 < lo || c1 > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      unsigned char ck = static_cast<unsigned char>(text[i + k]);
      if (ck < 0x80 || ck > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

void check_utf8(const YamlDoc& doc, std::string_view text) {
  size_t bad = first_invalid_utf8(text);
  if (bad == std::string_view::npos) return;
  size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
  line_start = line_start == std::string_view::npos || bad == 0 ? 0 : line_start + 1;
  int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + line_start, '\n'));
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[bad]));
  fail_at(SourceLocation{doc.file, line, static_cast<int>(bad - line_start) + 1}, "YAML text",
          std::string("byte ") + hex + " is not valid UTF-8",
          "save the file as UTF-8 (a Latin-1 or Windows-1252 editor setting writes such bytes)");
}

// One walk over the document as the loader will see it, aliases expanded: the tree keeps
// both entries of a duplicated key (lookups see only the first), so duplicates are
// reported anywhere in the document, also under keys the loader accepts and ignores; and
// an alias bomb (anchors nested in anchors, a few bytes growing to billions of nodes) is
// refused before anything reads it. A collection reached again through an alias is not
// walked again: its expanded size is remembered (aliases share the anchor's node and so
// its mark).
class DocumentWalk {
 public:
  // `may_alias`: the text holds both '&' and '*', without which it has no alias; when
  // false, no collection can be reached twice and nothing is remembered.
  DocumentWalk(const YamlDoc& doc, bool may_alias) : doc_(doc), may_alias_(may_alias) {}

  void run(const yaml::Node& root) { walk(root, nullptr, 0); }

 private:
  // Where a node is, as a chain of links to its parent: the dotted path ("jobs.a.inputs[0]")
  // is spelled out only for an error, not built for every node of a document that is fine.
  struct Path {
    const Path* parent;
    const std::string* key;  // a map's key, or null for a sequence's item
    size_t index;
    // What the loader's messages call it (join(path, key); path + "[i]").
    std::string text() const {
      std::string up = parent ? parent->text() : std::string();
      if (!key) return up + "[" + std::to_string(index) + "]";
      return join(up, *key);
    }
  };
  static std::string text_of(const Path* p) { return p ? p->text() : std::string(); }

  // Returns the expanded node count of `node`.
  uint64_t walk(const yaml::Node& node, const Path* path, int depth) {
    if (!node.IsMap() && !node.IsSequence()) return 1;
    if (depth > kMaxYamlDepth) {
      fail(doc_, node, text_of(path),
           "the YAML nests deeper than " + std::to_string(kMaxYamlDepth) +
               " levels (aliases included)",
           "flatten the document, and check that no anchor refers to itself");
    }
    const yaml::Mark mark = node.Mark();
    const uint64_t key =
        (static_cast<uint64_t>(static_cast<uint32_t>(mark.pos)) << 1) | (node.IsMap() ? 1u : 0u);
    if (auto it = may_alias_ ? sizes_.find(key) : sizes_.end();
        it != sizes_.end()) {  // an alias of a walked node
      alias_nodes_ = saturating_add(alias_nodes_, it->second);
      if (alias_nodes_ > kMaxAliasNodes) {
        fail(doc_, node, text_of(path),
             "aliases (*name) expand the document by more than " + std::to_string(kMaxAliasNodes) +
                 " nodes; the anchor here is one of them",
             "use fewer aliases of large anchors (nested aliases multiply: an alias bomb)");
      }
      return it->second;
    }
    uint64_t size = 1;
    if (node.IsSequence()) {
      size_t i = 0;
      for (const auto& item : node) {
        Path here{path, nullptr, i++};
        size = saturating_add(size, walk(item, &here, depth + 1));
      }
    } else {
      // The keys seen so far, for duplicates: a short list (most maps hold a few keys), an
      // index once it grows.
      std::vector<yaml::Node> keys;  // a Node is a handle: cheap to copy
      std::unordered_map<std::string_view, yaml::Node> index;
      for (const auto& kv : node) {
        const yaml::Node& k = kv.first;
        const yaml::Node& v = kv.second;
        if (!k.IsScalar()) {
          size = saturating_add(size, walk(k, path, depth + 1));
          size = saturating_add(size, walk(v, path, depth + 1));
          continue;
        }
        const std::string& name = k.Scalar();
        if (name != "<<") {
          std::optional<yaml::Node> first;
          if (index.empty()) {
            for (const yaml::Node& seen : keys)
              if (seen.Scalar() == name) first = seen;
            if (!first && keys.size() == 16)
              for (const yaml::Node& seen : keys) index.emplace(seen.Scalar(), seen);
          } else if (auto it = index.find(name); it != index.end()) {
            first = it->second;
          }
          if (first) {
            fail(doc_, k, join(text_of(path), name),
                 "duplicate key '" + name + "' (first defined at " +
                     loc_of(doc_, *first).to_string() + ")",
                 "keep only one of them");
          }
          if (index.empty())
            keys.push_back(k);
          else
            index.emplace(name, k);
        }
        Path here{path, &name, 0};
        size =
            saturating_add(size, 1 + (v.IsMap() || v.IsSequence() ? walk(v, &here, depth + 1) : 1));
      }
    }
    if (may_alias_) sizes_.emplace(key, size);
    return size;
  }

  static uint64_t saturating_add(uint64_t a, uint64_t b) {
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
  }

  const YamlDoc& doc_;
  const bool may_alias_;
  std::unordered_map<uint64_t, uint64_t> sizes_;  // expanded size by (mark.pos, is map)
  uint64_t alias_nodes_ = 0;                      // nodes added by aliases so far
};

}  // namespace

size_t max_yaml_bytes() {
  const char* env = std::getenv("RUNNEL_MAX_YAML_MB");
  if (env && *env) {
    char* end = nullptr;
    unsigned long long mb = std::strtoull(env, &end, 10);
    if (end && *end == '\0' && mb > 0 && mb < (1ULL << 20)) return static_cast<size_t>(mb) << 20;
  }
  return kDefaultMaxYamlMb << 20;
}

std::string read_yaml_file(const std::string& path, const std::string& shown) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat on the open file then
  // decides (no window between a stat and the open).
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    throw invalid_argument(shown + ": cannot read the file (" + std::strerror(err) +
                           "); check the path");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    std::string kind = S_ISDIR(st.st_mode)    ? "a folder"
                       : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    throw invalid_argument(shown + ": is " + kind +
                           ", not a YAML file; give the path of a regular .yml file");
  }
  const size_t limit = max_yaml_bytes();
  auto too_large = [&] {
    throw invalid_argument(shown + ": is larger than " + std::to_string(limit >> 20) +
                           " MiB, the limit for pipeline and component files; split it, or "
                           "raise the limit with RUNNEL_MAX_YAML_MB=N");
  };
  if (static_cast<uint64_t>(st.st_size) > limit) too_large();
  std::string text;
  text.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (true) {  // the file may grow or shrink while it is read
    if (got == text.size()) {
      if (text.size() >= limit + 1) too_large();
      text.resize(std::min(limit + 1, std::max<size_t>(4096, text.size() * 2)));
    }
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      throw invalid_argument(shown + ": cannot read the file (" + std::strerror(err) + ")");
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > limit) too_large();
  text.resize(got);
  return text;
}

yaml::Node parse_yaml(const YamlDoc& doc, const std::string& text) {
  check_utf8(doc, text);
  try {
    yaml::Node root = yaml::parse(text);
    bool may_alias = text.find('&') != std::string::npos && text.find('*') != std::string::npos;
    DocumentWalk(doc, may_alias).run(root);
    return root;
  } catch (const yaml::ParseError& e) {
    SourceLocation loc{doc.file, e.mark.line + 1, e.mark.column + 1};
    if (e.mark.is_null()) loc.line = loc.column = 0;
    fail_at(loc, "YAML syntax", e.msg,
            "fix the YAML at that line (check indentation, colons and quoting)");
  }
}

namespace {

const char* node_kind(const yaml::Node& n) {
  switch (n.Type()) {
    case yaml::NodeType::kNull:
      return "nothing";
    case yaml::NodeType::kScalar:
      return "a single value";
    case yaml::NodeType::kSequence:
      return "a list";
    case yaml::NodeType::kMap:
      return "a mapping";
    default:
      return "nothing";
  }
}

void collect(const YamlDoc& doc, const yaml::Node& node, const std::string& path,
             const std::string& what, std::vector<Entry>* out, std::set<std::string>* seen,
             bool merged) {
  if (!node.IsMap()) {
    fail(doc, node, path, std::string("expected ") + what + ", found " + node_kind(node),
         "write it as 'key: value' lines indented under " + (path.empty() ? "the top" : path));
  }
  std::vector<yaml::Node> merges;
  for (const auto& kv : node) {
    yaml::Node k = kv.first;
    yaml::Node v = kv.second;
    if (!k.IsScalar()) {
      fail(doc, k, path, "a key must be a plain name, found " + std::string(node_kind(k)),
           "write keys as simple words");
    }
    std::string name = k.Scalar();
    if (name == "<<" && k.Tag() != "!") {
      merges.push_back(v);
      continue;
    }
    if (!seen->insert(name).second) {
      if (merged) continue;  // an explicit key overrides a merged one
      std::string first;
      for (const auto& e : *out)
        if (e.name == name) first = loc_of(doc, e.key).to_string();
      fail(doc, k, path.empty() ? name : path + "." + name,
           "duplicate key '" + name + "' (first defined at " + first + ")",
           "keep only one of them");
    }
    out->push_back(Entry{name, k, v});
  }
  for (const auto& m : merges) {
    if (m.IsSequence()) {
      for (const auto& item : m) collect(doc, item, path, what, out, seen, true);
    } else {
      collect(doc, m, path, what, out, seen, true);
    }
  }
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::vector<Entry> entries(const YamlDoc& doc, const yaml::Node& node, const std::string& path,
                           const std::string& what) {
  std::vector<Entry> out;
  std::set<std::string> seen;
  collect(doc, node, path, what, &out, &seen, false);
  return out;
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    bool prefix =
        std::min(word.size(), c.size()) >= 4 && (c.rfind(word, 0) == 0 || word.rfind(c, 0) == 0);
    if (prefix) d = std::min<size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string c = closest(word, candidates);
  return c.empty() ? "" : " (did you mean '" + c + "'?)";
}

void check_keys(const YamlDoc& doc, const std::vector<Entry>& es, const std::string& path,
                std::initializer_list<const char*> allowed) {
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (const auto& e : es) {
    if (std::find(names.begin(), names.end(), e.name) != names.end()) continue;
    std::string c = closest(e.name, names);
    std::string hint = c.empty() ? "" : "did you mean '" + c + "'? ";
    std::string list;
    for (const auto& n : names) {
      if (n[0] == '$') continue;
      list += (list.empty() ? "" : ", ") + n;
    }
    fail(doc, e.key, path.empty() ? e.name : path + "." + e.name, "unknown key '" + e.name + "'",
         hint + "valid keys here are: " + list);
  }
}

void warn_unknown_keys(const YamlDoc& doc, const std::vector<Entry>& es, const std::string& path,
                       std::initializer_list<const char*> allowed) {
  if (!doc.report || doc.report->strict) {
    check_keys(doc, es, path, allowed);
    return;
  }
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (const auto& e : es) {
    if (std::find(names.begin(), names.end(), e.name) != names.end()) continue;
    std::string key = path.empty() ? e.name : path + "." + e.name;
    doc.report->messages.push_back("warning: " + loc_of(doc, e.key).to_string() + ": " + key +
                                   ": unknown key '" + e.name + "'" + did_you_mean(e.name, names) +
                                   "; it is ignored, as Azure ML does (run with --strict to make "
                                   "this an error)");
  }
}

void note_not_honoured(const YamlDoc& doc, const Entry& e, const std::string& path,
                       const std::string& kind, const std::string& what) {
  if (!doc.report || !doc.report->noted.insert(kind).second) return;
  doc.report->messages.push_back("note: " + loc_of(doc, e.key).to_string() + ": " + path +
                                 ": accepted, but " + what);
}

bool has_key(const YamlDoc& doc, const Entry& e, const std::string& key) {
  if (!e.value.IsMap()) return false;
  std::vector<Entry> es = entries(doc, e.value, e.name);
  return find_entry(es, key) != nullptr;
}

void check_declared(const YamlDoc& doc, const std::vector<Entry>& given, const std::string& path,
                    const std::vector<std::string>& declared, const std::string& owner,
                    const std::string& what) {
  for (const auto& e : given) {
    if (std::find(declared.begin(), declared.end(), e.name) != declared.end()) continue;
    fail(doc, e.key, path + "." + e.name,
         owner + " has no " + what + " '" + e.name + "'" + did_you_mean(e.name, declared),
         "its " + what + "s are: " + name_list(declared));
  }
}

const Entry* find_entry(const std::vector<Entry>& es, const std::string& name) {
  for (const auto& e : es)
    if (e.name == name) return &e;
  return nullptr;
}

std::string as_string(const YamlDoc& doc, const Entry& e, const std::string& path) {
  if (!e.value.IsScalar()) {
    fail(doc, e.value.IsNull() ? e.key : e.value, path,
         std::string("expected a single value (text), found ") + node_kind(e.value),
         "write it as '" + e.name + ": VALUE'");
  }
  return e.value.Scalar();
}

bool as_bool(const YamlDoc& doc, const Entry& e, const std::string& path) {
  std::string s = e.value.IsScalar() ? e.value.Scalar() : "";
  std::string l = s;
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "true" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "no" || l == "off") return false;
  fail(doc, e.value.IsNull() ? e.key : e.value, path,
       "expected true or false, found " +
           (e.value.IsScalar() ? "'" + s + "'" : std::string(node_kind(e.value))),
       "write '" + e.name + ": true' or '" + e.name + ": false'");
}

int64_t as_int(const YamlDoc& doc, const Entry& e, const std::string& path, int64_t min_value) {
  std::string s = e.value.IsScalar() ? e.value.Scalar() : "";
  if (!e.value.IsScalar() || !is_int_text(s) || s.size() > 18 || std::stoll(s) < min_value) {
    fail(doc, e.value.IsNull() ? e.key : e.value, path,
         "expected a whole number >= " + std::to_string(min_value) + ", found " +
             (e.value.IsScalar() ? "'" + s + "'" : std::string(node_kind(e.value))),
         "write it as '" + e.name + ": " + std::to_string(std::max<int64_t>(min_value, 1)) + "'");
  }
  return std::stoll(s);
}

std::map<std::string, std::string> as_string_map(const YamlDoc& doc, const Entry& e,
                                                 const std::string& path) {
  std::map<std::string, std::string> out;
  if (e.value.IsNull()) return out;
  for (const auto& kv : entries(doc, e.value, path, "a mapping of names to values")) {
    if (kv.value.IsNull()) {
      out[kv.name] = "";
    } else {
      out[kv.name] = as_string(doc, kv, path + "." + kv.name);
    }
  }
  return out;
}

std::vector<std::string> as_string_list(const YamlDoc& doc, const Entry& e,
                                        const std::string& path) {
  std::vector<std::string> out;
  if (e.value.IsScalar()) return {e.value.Scalar()};
  if (!e.value.IsSequence()) {
    fail(doc, e.value.IsNull() ? e.key : e.value, path,
         std::string("expected a list of names, found ") + node_kind(e.value),
         "write it as '" + e.name + ": [a, b]'");
  }
  for (const auto& item : e.value) {
    if (!item.IsScalar()) {
      fail(doc, item, path, std::string("expected a name, found ") + node_kind(item),
           "list plain names, as in '" + e.name + ": [a, b]'");
    }
    out.push_back(item.Scalar());
  }
  return out;
}

DataType infer_literal_type(const yaml::Node& scalar) {
  if (scalar.Tag() == "!") return DataType::kString;  // quoted
  const std::string& s = scalar.Scalar();
  if (is_bool_text(s)) return DataType::kBoolean;
  if (is_int_text(s)) return DataType::kInteger;
  if (is_number_text(s)) return DataType::kNumber;
  return DataType::kString;
}

std::string literal_text(const yaml::Node& scalar) {
  const std::string& s = scalar.Scalar();
  if (scalar.Tag() != "?") return s;  // quoted or tagged: its text
  if (auto b = pyyaml_bool(s)) return *b ? "True" : "False";
  if (auto n = pyyaml_number_text(s)) return *n;
  return s;
}

std::optional<DataType> parse_yaml_type(const std::string& s) {
  if (s == "mlflow_model" || s == "custom_model" || s == "triton_model")
    return DataType::kUriFolder;
  return parse_data_type(s);
}

std::string literal_mismatch(DataType type, const std::string& text) {
  switch (type) {
    case DataType::kInteger:
      return is_int_text(text) ? "" : "give a whole number such as 10";
    case DataType::kNumber:
      return is_number_text(text) ? "" : "give a number such as 0.5";
    case DataType::kBoolean:
      return is_bool_text(text) ? "" : "give true or false";
    default:
      return "";
  }
}

std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

std::string name_list(const std::vector<std::string>& names) {
  if (names.empty()) return "(none)";
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace runnel::internal

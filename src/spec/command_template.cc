#include "spec/command_template.h"

#include <algorithm>
#include <cctype>

#include "runnel/error.h"

namespace runnel {

namespace {

constexpr std::string_view kOpen = "${{";
constexpr std::string_view kClose = "}}";
constexpr std::string_view kBlockOpen = "$[[";
constexpr std::string_view kBlockClose = "]]";

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw invalid_argument(where + ": " + what);
}

// Parses the placeholder whose "${{" starts at `pos`; sets `end` past its "}}".
Placeholder parse_one(const std::string& tmpl, size_t pos, const std::string& where, size_t* end) {
  size_t close = tmpl.find(kClose, pos + kOpen.size());
  if (close == std::string::npos) {
    std::string snippet = tmpl.substr(pos, 40);
    fail(where,
         "unclosed placeholder '" + snippet + "'; close it with '}}', as in ${{inputs.NAME}}");
  }
  std::string body =
      trim(std::string_view(tmpl).substr(pos + kOpen.size(), close - pos - kOpen.size()));
  std::string text = tmpl.substr(pos, close + kClose.size() - pos);
  Placeholder ph;
  ph.offset = pos;
  std::string name;
  if (body.rfind("inputs.", 0) == 0) {
    ph.kind = Placeholder::Kind::kInput;
    name = body.substr(7);
  } else if (body.rfind("outputs.", 0) == 0) {
    ph.kind = Placeholder::Kind::kOutput;
    name = body.substr(8);
  } else if (body.rfind("parameters.", 0) == 0) {
    ph.kind = Placeholder::Kind::kParameter;
    name = body.substr(11);
  } else {
    std::string ns = body.substr(0, body.find('.'));
    std::string hint =
        ns == "parent" ? "a command cannot read ${{parent...}} directly; bind it to a job input "
                         "and use ${{inputs.NAME}}"
                       : "a command may only use ${{inputs.NAME}} and ${{outputs.NAME}}";
    fail(where, "placeholder '" + text + "' has an unknown namespace '" + ns + "'; " + hint);
  }
  if (name.empty()) {
    fail(where,
         "placeholder '" + text + "' names no input or output; write it as " +
             (ph.kind == Placeholder::Kind::kInput ? "${{inputs.NAME}}" : "${{outputs.NAME}}"));
  }
  for (char c : name) {
    if (!is_name_char(c)) {
      fail(where, "placeholder '" + text + "' has a bad name '" + name +
                      "'; names hold only letters, digits, '_' and '-'");
    }
  }
  ph.name = name;
  *end = close + kClose.size();
  ph.length = *end - pos;
  return ph;
}

// One parsed piece of a template: literal text, a placeholder, or an optional block
// (a range of pieces).
struct Scan {
  std::vector<Placeholder> placeholders;
  // Byte ranges [begin, end) of every optional block, including its brackets.
  std::vector<std::pair<size_t, size_t>> blocks;
};

Scan scan(const std::string& tmpl, const std::string& where) {
  Scan out;
  size_t i = 0;
  size_t block_start = std::string::npos;
  while (i < tmpl.size()) {
    // Only '$' opens (and, inside a block, ']' closes): jump to the next one. find(char) is
    // one memchr; find_first_of would call a search of its set for every character.
    i = block_start != std::string::npos ? std::min(tmpl.find('$', i), tmpl.find(']', i))
                                         : tmpl.find('$', i);
    if (i == std::string::npos) break;
    if (tmpl.compare(i, kOpen.size(), kOpen) == 0) {
      size_t end = 0;
      Placeholder ph = parse_one(tmpl, i, where, &end);
      ph.in_optional_block = block_start != std::string::npos;
      out.placeholders.push_back(std::move(ph));
      i = end;
    } else if (tmpl.compare(i, kBlockOpen.size(), kBlockOpen) == 0) {
      if (block_start != std::string::npos) {
        fail(where, "optional block opened at byte " + std::to_string(i) +
                        " inside another one; $[[ ... ]] blocks cannot nest");
      }
      block_start = i;
      i += kBlockOpen.size();
    } else if (block_start != std::string::npos &&
               tmpl.compare(i, kBlockClose.size(), kBlockClose) == 0) {
      out.blocks.emplace_back(block_start, i + kBlockClose.size());
      block_start = std::string::npos;
      i += kBlockClose.size();
    } else {
      ++i;
    }
  }
  if (block_start != std::string::npos) {
    fail(where, "unclosed optional block '" + tmpl.substr(block_start, 40) +
                    "'; close it with ']]', as in $[[--flag ${{inputs.NAME}}]]");
  }
  return out;
}

}  // namespace

std::vector<Placeholder> parse_placeholders(const std::string& tmpl, const std::string& where) {
  return scan(tmpl, where).placeholders;
}

std::string render_command(
    const std::string& tmpl, const std::string& where,
    const std::function<std::optional<std::string>(const Placeholder&)>& lookup) {
  Scan s = scan(tmpl, where);
  std::string out;
  size_t pos = 0;
  size_t next_ph = 0;
  size_t next_block = 0;
  // Appends the text of [pos, limit) with placeholders rendered; returns false when a
  // lookup gives nullopt (and `in_block` is set), leaving `into` partial.
  auto render_range = [&](size_t limit, bool in_block, std::string* into) -> bool {
    while (next_ph < s.placeholders.size() && s.placeholders[next_ph].offset < limit) {
      const Placeholder& ph = s.placeholders[next_ph];
      into->append(tmpl, pos, ph.offset - pos);
      std::optional<std::string> v = lookup(ph);
      size_t close = tmpl.find(kClose, ph.offset) + kClose.size();
      if (!v) {
        if (in_block) return false;
        const char* ns = ph.kind == Placeholder::Kind::kInput ? "inputs" : "outputs";
        fail(where, std::string("${{") + ns + "." + ph.name +
                        "}} has no value; bind it, or put it inside an optional block $[[ ... ]]");
      }
      into->append(*v);
      pos = close;
      ++next_ph;
    }
    into->append(tmpl, pos, limit - pos);
    pos = limit;
    return true;
  };
  while (next_block < s.blocks.size()) {
    auto [b, e] = s.blocks[next_block++];
    render_range(b, false, &out);
    // Inside the block: skip "$[[", render to before "]]".
    pos = b + kBlockOpen.size();
    std::string inner;
    bool keep = render_range(e - kBlockClose.size(), true, &inner);
    if (keep) out += inner;
    while (next_ph < s.placeholders.size() && s.placeholders[next_ph].offset < e) ++next_ph;
    pos = e;
  }
  render_range(tmpl.size(), false, &out);
  return out;
}

std::string shell_quote(const std::string& s) {
  if (s.empty()) return "''";
  bool safe = true;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view("_./:=@%+,-").find(c) != std::string_view::npos)) {
      safe = false;
      break;
    }
  }
  if (safe) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

}  // namespace runnel

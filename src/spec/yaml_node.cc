#include "spec/yaml_node.h"

#include <yaml.h>

#include <optional>
#include <unordered_map>

namespace runnel::internal::yaml {

struct NodeData {
  NodeType type = NodeType::kNull;
  uint32_t tag = 0;          // index into Tree::tags_
  uint32_t first_child = 0;  // index into Tree::children_
  uint32_t count = 0;        // items (sequence) or entries (mapping; 2 children each)
  yaml::Mark mark;
  std::string scalar;
};

class Tree {
 public:
  const NodeData& at(uint32_t i) const { return nodes_[i]; }
  uint32_t child(uint32_t i) const { return children_[i]; }
  const std::string& tag(uint32_t i) const { return tags_[i]; }

 private:
  friend class TreeBuilder;
  std::vector<NodeData> nodes_;
  std::vector<uint32_t> children_;
  std::vector<std::string> tags_ = {"?", "!"};
};

namespace {
const std::string kEmpty;
}

NodeType Node::Type() const { return tree_ ? tree_->at(index_).type : NodeType::kUndefined; }
const std::string& Node::Scalar() const { return tree_ ? tree_->at(index_).scalar : kEmpty; }
const std::string& Node::Tag() const { return tree_ ? tree_->tag(tree_->at(index_).tag) : kEmpty; }
yaml::Mark Node::Mark() const { return tree_ ? tree_->at(index_).mark : yaml::Mark{}; }

size_t Node::size() const {
  if (!tree_) return 0;
  const NodeData& d = tree_->at(index_);
  return d.type == NodeType::kSequence || d.type == NodeType::kMap ? d.count : 0;
}

Node::iterator Node::begin() const {
  iterator it;
  it.node_ = this;
  return it;
}

Node::iterator Node::end() const {
  iterator it;
  it.node_ = this;
  it.pos_ = size();
  return it;
}

Node::Item Node::iterator::operator*() const {
  const NodeData& d = node_->tree_->at(node_->index_);
  Item item;
  if (d.type == NodeType::kMap) {
    uint32_t k = node_->tree_->child(d.first_child + 2 * static_cast<uint32_t>(pos_));
    uint32_t v = node_->tree_->child(d.first_child + 2 * static_cast<uint32_t>(pos_) + 1);
    item.first = Node(node_->tree_, k);
    item.second = Node(node_->tree_, v);
  } else {
    uint32_t c = node_->tree_->child(d.first_child + static_cast<uint32_t>(pos_));
    static_cast<Node&>(item) = Node(node_->tree_, c);
  }
  return item;
}

class TreeBuilder {
 public:
  Node build(std::string_view text) {
    auto tree = std::make_shared<Tree>();
    tree_ = tree.get();
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) throw ParseError{{}, "out of memory"};
    struct ParserCloser {
      yaml_parser_t* p;
      ~ParserCloser() { yaml_parser_delete(p); }
    } closer{&parser};
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    bool have_root = false;
    uint32_t root = 0;
    while (true) {
      yaml_event_t ev;
      if (!yaml_parser_parse(&parser, &ev)) {
        yaml::Mark m{static_cast<int>(parser.problem_mark.index),
                     static_cast<int>(parser.problem_mark.line),
                     static_cast<int>(parser.problem_mark.column)};
        std::string msg = parser.problem ? parser.problem : "syntax error";
        if (parser.context) msg = std::string(parser.context) + ": " + msg;
        throw ParseError{m, msg};
      }
      struct EventCloser {
        yaml_event_t* e;
        ~EventCloser() { yaml_event_delete(e); }
      } ev_closer{&ev};
      yaml_event_type_t type = ev.type;
      if (type == YAML_STREAM_END_EVENT || type == YAML_DOCUMENT_END_EVENT) break;
      yaml::Mark mark{static_cast<int>(ev.start_mark.index), static_cast<int>(ev.start_mark.line),
                      static_cast<int>(ev.start_mark.column)};
      std::optional<uint32_t> done;  // a node completed by this event
      switch (type) {
        case YAML_SCALAR_EVENT: {
          const auto& s = ev.data.scalar;
          uint32_t i = add(NodeType::kScalar, mark, tag_of(s.tag, s.style));
          NodeData& d = tree_->nodes_[i];
          d.scalar.assign(reinterpret_cast<const char*>(s.value), s.length);
          if (d.scalar.find('\0') != std::string::npos) {
            // "\0" and "\x00" are valid YAML escapes, but no path, name, command or value a
            // pipeline holds can carry a NUL: the C calls that take them would stop there.
            throw ParseError{mark,
                             "the value holds a NUL character (\\0 or \\x00 in a double-quoted "
                             "string); no path, name or command can hold one: remove it"};
          }
          if (!s.tag && s.style == YAML_PLAIN_SCALAR_STYLE && is_null_text(d.scalar)) {
            d.type = NodeType::kNull;
            d.scalar.clear();
          }
          if (s.anchor) anchors_[reinterpret_cast<const char*>(s.anchor)] = i;
          done = i;
          break;
        }
        case YAML_ALIAS_EVENT: {
          std::string name = reinterpret_cast<const char*>(ev.data.alias.anchor);
          auto it = anchors_.find(name);
          if (it == anchors_.end()) {
            bool open = false;
            for (const auto& f : stack_) open = open || f.anchor == name;
            throw ParseError{
                mark, open ? "the alias *" + name + " refers to a node that contains it"
                           : "the alias *" + name + " has no anchor &" + name + " before it"};
          }
          done = it->second;
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
          bool seq = type == YAML_SEQUENCE_START_EVENT;
          const yaml_char_t* tag = seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag;
          const yaml_char_t* anchor =
              seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor;
          uint32_t i = add(seq ? NodeType::kSequence : NodeType::kMap, mark,
                           tag_of(tag, YAML_PLAIN_SCALAR_STYLE));
          stack_.push_back(Frame{i, {}, anchor ? reinterpret_cast<const char*>(anchor) : ""});
          break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
          Frame f = std::move(stack_.back());
          stack_.pop_back();
          NodeData& d = tree_->nodes_[f.node];
          d.first_child = static_cast<uint32_t>(tree_->children_.size());
          d.count =
              static_cast<uint32_t>(d.type == NodeType::kMap ? f.kids.size() / 2 : f.kids.size());
          tree_->children_.insert(tree_->children_.end(), f.kids.begin(), f.kids.end());
          if (!f.anchor.empty()) anchors_[f.anchor] = f.node;
          done = f.node;
          break;
        }
        default:
          break;
      }
      if (done) {
        if (stack_.empty()) {
          root = *done;
          have_root = true;
        } else {
          stack_.back().kids.push_back(*done);
        }
      }
    }
    if (!have_root) root = add(NodeType::kNull, yaml::Mark{0, 0, 0}, 0);
    return Node(std::move(tree), root);
  }

 private:
  struct Frame {
    uint32_t node;
    std::vector<uint32_t> kids;
    std::string anchor;
  };

  static bool is_null_text(const std::string& s) {
    return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
  }

  uint32_t tag_of(const yaml_char_t* tag, yaml_scalar_style_t style) {
    if (!tag) return style == YAML_PLAIN_SCALAR_STYLE || style == YAML_ANY_SCALAR_STYLE ? 0 : 1;
    std::string t = reinterpret_cast<const char*>(tag);
    for (uint32_t i = 0; i < tree_->tags_.size(); ++i)
      if (tree_->tags_[i] == t) return i;
    tree_->tags_.push_back(t);
    return static_cast<uint32_t>(tree_->tags_.size() - 1);
  }

  uint32_t add(NodeType type, yaml::Mark mark, uint32_t tag) {
    if (tree_->nodes_.size() >= UINT32_MAX - 1) throw ParseError{mark, "too many nodes"};
    NodeData d;
    d.type = type;
    d.mark = mark;
    d.tag = tag;
    tree_->nodes_.push_back(std::move(d));
    return static_cast<uint32_t>(tree_->nodes_.size() - 1);
  }

  Tree* tree_ = nullptr;
  std::vector<Frame> stack_;
  std::unordered_map<std::string, uint32_t> anchors_;
};

Node parse(std::string_view text) { return TreeBuilder().build(text); }

}  // namespace runnel::internal::yaml

// spec/yaml_node.h: a read-only YAML document tree built from libyaml's event parser, for
// the pipeline loader.
//
// It replaces yaml-cpp's DOM (about 14 KB per pipeline step, and most of a plan's time):
// every node of a document lives in one vector of its Tree, strings included, and a Node
// is a handle (the tree and an index). The API follows the part of yaml-cpp's that the
// loader uses: IsNull/IsScalar/IsSequence/IsMap, Scalar(), Tag(), Mark(), size() and
// iteration (an item of a mapping has `first` and `second`).
// Meaning follows yaml-cpp's: plain scalars "", "~", "null", "Null" and "NULL" are null;
// Tag() is "!" for a quoted scalar, "?" for an untagged plain one, else the explicit tag;
// an alias is the anchored node itself (same Mark). Only the first document of a stream
// is read. An alias of an anchor whose node is still open (a node containing itself) is
// refused, so a tree never has a cycle.
// Thread-safety: a built Tree is immutable; Nodes may be read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::internal::yaml {

struct Mark {
  int pos = -1;  // character index in the text; -1 for no position
  int line = 0;  // 0-based
  int column = 0;
  bool is_null() const { return pos < 0; }
};

enum class NodeType { kUndefined, kNull, kScalar, kSequence, kMap };

// A syntax error: `mark` locates it; `msg` is libyaml's description.
struct ParseError {
  Mark mark;
  std::string msg;
};

class Tree;

class Node {
 public:
  Node() = default;  // undefined

  bool IsDefined() const { return tree_ != nullptr; }
  NodeType Type() const;
  bool IsNull() const { return Type() == NodeType::kNull; }
  bool IsScalar() const { return Type() == NodeType::kScalar; }
  bool IsSequence() const { return Type() == NodeType::kSequence; }
  bool IsMap() const { return Type() == NodeType::kMap; }
  // The scalar's text ("" for other nodes).
  const std::string& Scalar() const;
  const std::string& Tag() const;
  yaml::Mark Mark() const;
  // Items of a sequence, entries of a mapping; 0 otherwise.
  size_t size() const;
  // Identity: the same node of the same tree (an alias and its anchor are the same node).
  bool is(const Node& other) const { return tree_ == other.tree_ && index_ == other.index_; }

  class Item;
  class iterator;
  iterator begin() const;
  iterator end() const;

 private:
  friend class Tree;
  friend class TreeBuilder;
  Node(std::shared_ptr<const Tree> tree, uint32_t index) : tree_(std::move(tree)), index_(index) {}

  std::shared_ptr<const Tree> tree_;
  uint32_t index_ = 0;
};

// One element of an iteration: the item itself for a sequence; for a mapping, the entry
// with `first` (the key) and `second` (the value).
class Node::Item : public Node {
 public:
  Node first, second;
};

class Node::iterator {
 public:
  Item operator*() const;  // valid while the iterated Node lives
  iterator& operator++() {
    ++pos_;
    return *this;
  }
  bool operator!=(const iterator& o) const { return pos_ != o.pos_; }
  bool operator==(const iterator& o) const { return pos_ == o.pos_; }

 private:
  friend class Node;
  const Node* node_ = nullptr;  // the iterated node
  size_t pos_ = 0;
};

// Parses the first document of `text`. Returns the root (a null node for an empty
// document); throws ParseError on a syntax error or an undefined alias.
Node parse(std::string_view text);

}  // namespace runnel::internal::yaml

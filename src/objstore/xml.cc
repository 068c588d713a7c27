// XML through libxml2 (objstore/xml.h).
#include "objstore/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

#include "runnel/error.h"

namespace runnel::objstore {

namespace {

struct DocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

DocPtr parse(const std::string& xml, const std::string& what) {
  static const bool init = (xmlInitParser(), true);
  (void)init;
  DocPtr doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "response.xml", nullptr,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) throw corruption(what + ": the server's answer is not XML: " + xml.substr(0, 200));
  return doc;
}

std::string text_of(xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  std::string s = c ? reinterpret_cast<const char*>(c) : "";
  xmlFree(c);
  return s;
}

bool is(xmlNode* n, const std::string& name) {
  return n->type == XML_ELEMENT_NODE && name == reinterpret_cast<const char*>(n->name);
}

void collect_fields(xmlNode* n, std::map<std::string, std::string>& out) {
  for (xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    bool leaf = true;
    for (xmlNode* g = c->children; g; g = g->next) leaf &= g->type != XML_ELEMENT_NODE;
    if (leaf) {
      out.emplace(reinterpret_cast<const char*>(c->name), text_of(c));
    } else {
      collect_fields(c, out);
    }
  }
}

void walk(xmlNode* n, const std::string& element,
          std::vector<std::map<std::string, std::string>>& out) {
  for (; n; n = n->next) {
    if (is(n, element)) {
      out.emplace_back();
      collect_fields(n, out.back());
    } else {
      walk(n->children, element, out);
    }
  }
}

xmlNode* find(xmlNode* n, const std::string& element) {
  for (; n; n = n->next) {
    if (is(n, element)) return n;
    if (xmlNode* f = find(n->children, element)) return f;
  }
  return nullptr;
}

}  // namespace

std::vector<std::map<std::string, std::string>> xml_records(const std::string& xml,
                                                            const std::string& element,
                                                            const std::string& what) {
  DocPtr doc = parse(xml, what);
  std::vector<std::map<std::string, std::string>> out;
  walk(xmlDocGetRootElement(doc.get()), element, out);
  return out;
}

std::string xml_text(const std::string& xml, const std::string& element, const std::string& what) {
  DocPtr doc = parse(xml, what);
  xmlNode* n = find(xmlDocGetRootElement(doc.get()), element);
  return n ? text_of(n) : "";
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace runnel::objstore

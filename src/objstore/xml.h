// objstore/xml.h: the little XML the object-store APIs need, through libxml2.
// Thread-safety: all functions may be called concurrently (libxml2 is initialized once).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace runnel::objstore {

// For every element named `element` (at any depth) of `xml`, the text of its direct and
// nested children by element name (the first of each name; nested names are flattened,
// e.g. Blob/Properties/Content-Length as "Content-Length"). Throws runnel::Error(kCorruption)
// for text that is not XML, naming `what`.
std::vector<std::map<std::string, std::string>> xml_records(const std::string& xml,
                                                            const std::string& element,
                                                            const std::string& what);

// The text of the first element named `element`, or "" when there is none.
std::string xml_text(const std::string& xml, const std::string& element, const std::string& what);

// `text` escaped for XML element content.
std::string xml_escape(const std::string& text);

}  // namespace runnel::objstore

// data/text_decode.h: turning the bytes of a delimited file into UTF-8 text.
//
// Supported encodings (the SDK's names, case-insensitive, '-' and '_' ignored):
//   utf8 (a leading BOM is dropped), utf8bom (same), latin1 / iso88591, windows1252 / cp1252,
//   ascii. Anything else is Error(kInvalidArgument) listing these.
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>

namespace runnel::internal {

// Returns `bytes` decoded from `encoding` as UTF-8. Throws Error(kInvalidArgument) naming
// `file`, the line and column of the first byte that is not valid in that encoding, and
// suggesting another encoding.
std::string decode_text(std::string_view bytes, const std::string& encoding,
                        const std::string& file);

// The canonical name of an encoding ("utf8", "latin1", "windows1252", "ascii");
// throws Error(kInvalidArgument) for unknown names.
std::string canonical_encoding(const std::string& encoding);

}  // namespace runnel::internal

#include "spec/registered_refs.h"

#include <cctype>
#include <vector>

#include "runnel/error.h"

namespace runnel::internal {

namespace {

thread_local ComponentLookup current_lookup;
thread_local UrlFetch current_fetch;
thread_local AssetLookups current_assets;

bool valid_name(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

}  // namespace

ScopedComponentLookup::ScopedComponentLookup(ComponentLookup lookup, UrlFetch fetch,
                                             AssetLookups assets)
    : previous_(std::move(current_lookup)),
      previous_fetch_(std::move(current_fetch)),
      previous_assets_(std::move(current_assets)) {
  current_lookup = std::move(lookup);
  current_fetch = std::move(fetch);
  current_assets = std::move(assets);
}

ScopedComponentLookup::~ScopedComponentLookup() {
  current_lookup = std::move(previous_);
  current_fetch = std::move(previous_fetch_);
  current_assets = std::move(previous_assets_);
}

const UrlFetch& current_url_fetch() { return current_fetch; }
const AssetLookups& current_asset_lookups() { return current_assets; }

bool is_registered_component_ref(const std::string& ref) { return ref.rfind("azureml:", 0) == 0; }

bool split_component_ref(const std::string& ref, std::string* name, std::string* version) {
  if (ref.rfind("azureml://", 0) == 0) {
    // azureml://registries/<r>/components/NAME/versions/V, .../labels/latest, or
    // azureml://subscriptions/.../workspaces/<w>/components/NAME/versions/V.
    std::vector<std::string> seg;
    std::string rest = ref.substr(10);
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    size_t b = 0;
    while (true) {
      size_t e = rest.find('/', b);
      seg.push_back(rest.substr(b, e == std::string::npos ? std::string::npos : e - b));
      if (e == std::string::npos) break;
      b = e + 1;
    }
    size_t n = seg.size();
    if (n >= 4 && seg[n - 4] == "components" &&
        (seg[n - 2] == "versions" || seg[n - 2] == "labels")) {
      *name = seg[n - 3];
      *version = seg[n - 2] == "versions" ? seg[n - 1] : "";
      if (seg[n - 2] == "labels" && seg[n - 1] != "latest") return false;
      return valid_name(*name) && (version->empty() || valid_name(*version));
    }
    if (n >= 2 && seg[n - 2] == "components") {
      *name = seg[n - 1];
      version->clear();
      return valid_name(*name);
    }
    return false;
  }
  if (ref.rfind("azureml:", 0) != 0) return false;
  std::string r = ref.substr(8);
  if (size_t at = r.find('@'); at != std::string::npos) {
    if (r.substr(at + 1) != "latest") return false;
    *name = r.substr(0, at);
    version->clear();
  } else if (size_t colon = r.find(':'); colon != std::string::npos) {
    *name = r.substr(0, colon);
    *version = r.substr(colon + 1);
    if (!valid_name(*version)) return false;
  } else {
    *name = r;
    version->clear();
  }
  return valid_name(*name);
}

std::string registered_component_file(const YamlDoc& doc, const yaml::Node& node,
                                      const std::string& path, const std::string& ref) {
  std::string name, version;
  if (!split_component_ref(ref, &name, &version)) {
    fail(doc, node, path, "'" + ref + "' is not a registered component reference",
         "write azureml:NAME:VERSION, azureml:NAME@latest or "
         "azureml://registries/<r>/components/NAME/versions/V");
  }
  if (!current_lookup) {
    fail(doc, node, path, "registered component '" + ref + "' needs a workspace to look it up in",
         "run the pipeline inside a runnel workspace (runnel run), or use component: ./file.yml");
  }
  try {
    return current_lookup(name, version);
  } catch (const Error& e) {
    fail(doc, node, path, e.what(), "register it with `runnel component create -f FILE.yml`");
  }
}

}  // namespace runnel::internal

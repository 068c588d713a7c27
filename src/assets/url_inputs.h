// assets/url_inputs.h: http(s) URL inputs (`path: https://host/data/iris.csv`), which Azure
// ML downloads for the job, fetched into the workspace for the loader
// (spec/registered_refs.h: UrlFetch; installed with use_registered_components).
#pragma once

#include <string>

#include "runnel/workspace.h"

namespace runnel::assets {

// Downloads `url` (GET, following up to 5 redirects) to
// .runnel/cache/urls/<sha256(url), 16 hex>/<last path segment>, replacing what an earlier
// load fetched only once the new download is complete, and returns that file's path. A
// step's fingerprint covers the file's content, so a changed file reruns the steps that
// read it. Throws Error(kInvalidArgument) for a status other than 200 and
// Error(kUnavailable) when the server cannot be reached.
std::string fetch_url_input(const Workspace& ws, const std::string& url);

}  // namespace runnel::assets

// runnel/runnel.h: the whole public API in one include.
#pragma once

#include "runnel/datastore.h"
#include "runnel/error.h"
#include "runnel/module.h"
#include "runnel/pipeline.h"
#include "runnel/run.h"
#include "runnel/workspace.h"

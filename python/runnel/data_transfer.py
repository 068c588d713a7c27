"""The step side of DataTransferStep: copies the step's source input (a file or folder the
engine materialized, from any datastore) to the destination: the step's output folder, or a
path on a datastore (local, Azure Blob, S3; uploaded through runnel's native module).

    python -m runnel.data_transfer --source PATH [--source-type file|directory]
        (--destination PATH | --destination-datastore NAME --destination-path P)
        [--destination-type file|directory]
"""

import argparse
import json
import os
import shutil
import sys


def _copy(src, dest, dest_type):
    """src (file or folder) to dest; a file goes into dest when dest is a folder (or
    dest_type is 'directory'). Returns the number of files copied."""
    if os.path.isdir(src):
        shutil.copytree(src, dest, dirs_exist_ok=True)
        return sum(len(f) for _d, _s, f in os.walk(src))
    if dest_type == "directory" or os.path.isdir(dest):
        os.makedirs(dest, exist_ok=True)
        dest = os.path.join(dest, os.path.basename(src))
    os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
    shutil.copyfile(src, dest)
    return 1


def _workspace():
    with open(os.environ["RUNNEL_RUN_CONTEXT"]) as f:
        return json.load(f)["workspace"]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m runnel.data_transfer", description=__doc__.split("\n")[0])
    p.add_argument("--source", required=True)
    p.add_argument("--source-type", choices=("file", "directory"))
    p.add_argument("--destination")
    p.add_argument("--destination-datastore")
    p.add_argument("--destination-path", default="")
    p.add_argument("--destination-type", choices=("file", "directory"))
    a = p.parse_args(sys.argv[1:] if argv is None else argv)
    src = a.source
    if a.source_type == "file" and os.path.isdir(src):
        names = [n for n in os.listdir(src) if os.path.isfile(os.path.join(src, n))]
        if len(names) != 1:
            print("error: data transfer: source_reference_type 'file', but %s is a folder of %d files"
                  % (src, len(names)), file=sys.stderr)
            return 2
        src = os.path.join(src, names[0])
    if a.destination:
        n = _copy(src, a.destination, a.destination_type)
        print("Transferred %d file(s) from %s to %s" % (n, a.source, a.destination))
        return 0
    from runnel._runnel import Datastore, Workspace  # the native module (same interpreter)
    ws = Workspace.get(_workspace())
    ds = Datastore(ws, a.destination_datastore)
    rel = a.destination_path.strip("/")
    if ds.type == "local":
        dest = ds.path(rel) if rel else ds.root
        n = _copy(src, dest, a.destination_type)
    else:
        target = rel
        if os.path.isfile(src) and a.destination_type == "directory":
            target = (rel + "/" if rel else "") + os.path.basename(src)
        n = Datastore.upload_remote(ws, ds.name, os.path.abspath(src), target)[0]
    print("Transferred %d file(s) from %s to %s:%s" % (n, a.source, ds.name, rel))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Registered datasets end to end (examples/datasets/): registering the example's data, a
pipeline reading a tabular dataset (direct) and a file dataset (download, ro_mount), an
output registered as dataset summary_ds, versions on new content, reuse on unchanged
content, registered files changed in place, and the errors for bad dataset inputs.

Each test copies the example into its temp folder and registers `customers` (tabular) and
`docs` (file) from the example's data into a fresh workspace.
"""

import hashlib
import os
import re
import shutil
import unittest

from e2e_util import SOURCE_DIR, WorkspaceTest, clean_env, has_sklearn, read

EXAMPLE = os.path.join(SOURCE_DIR, "examples", "datasets")
ALL_STEPS = ("profile", "docs_download", "docs_mount", "summarize")

# A pipeline with a step before the one that reads `customers` in mode download.
TABULAR_DOWNLOAD = """
type: pipeline
jobs:
  first:
    type: command
    command: touch {marker}
    outputs:
      o: {{type: uri_folder}}
  profile:
    type: command
    command: ls ${{{{inputs.after}}}} ${{{{inputs.customers}}}}
    inputs:
      after: ${{{{parent.jobs.first.outputs.o}}}}
      customers: {{type: mltable, path: dataset:customers, mode: download}}
"""

# One step reading dataset input `docs` from PATH in mode MODE.
ONE_INPUT = """
type: pipeline
jobs:
  read:
    type: command
    code: ./files
    command: python list_files.py --input docs --out ${{{{outputs.listing}}}}
    inputs:
      docs: {{type: uri_folder, path: "{path}", mode: {mode}}}
    outputs:
      listing: {{type: uri_folder}}
"""

# A step that appends to a file of its ro_mount input `docs`.
SCRIBBLE_PY = """
import os
from azureml.core import Run
folder = Run.get_context().input_datasets["docs"]
try:
    with open(os.path.join(folder, "readme.txt"), "a") as f:
        f.write("written by a step\\n")
    print("wrote")
except OSError as e:
    print("refused:", e)
"""


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@unittest.skipUnless(has_sklearn(), "needs pandas under /usr/bin/python3")
class DatasetsTest(WorkspaceTest):

    def setUp(self):
        super().setUp()
        self.ex = os.path.join(self.dir, "example")
        shutil.copytree(EXAMPLE, self.ex)
        self.pipeline = os.path.join(self.ex, "pipeline.yml")
        self.register("customers", "--tabular", os.path.join(self.ex, "data", "customers.csv"),
                      "--description", "200 customers", "--tag", "source=crm")
        self.register("docs", os.path.join(self.ex, "data", "docs", "*"))

    # -- helpers ---------------------------------------------------------------------------
    def register(self, *args, expect=0):
        p = self.runnel("dataset", "register", *args)
        self.assertEqual(p.returncode, expect, "register %s:\n%s%s" % (args, p.stdout, p.stderr))
        return p

    def versions(self, name):
        """The version numbers `runnel dataset versions NAME` lists."""
        p = self.runnel("dataset", "versions", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.strip().splitlines()
        self.assertTrue(lines and lines[0].startswith("VERSION"), p.stdout)
        return [int(l.split()[0]) for l in lines[1:]]

    def statuses(self, run="latest"):
        return {n: s["status"] for n, s in self.steps(run).items()}

    def dataset_files(self, name):
        """The local paths of the files `runnel dataset show NAME` lists."""
        p = self.runnel("dataset", "show", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        files = re.findall(r"^\s+workspaceblobstore:(\S+)\s+\d+ B", p.stdout, re.M)
        self.assertTrue(files, "no files in:\n" + p.stdout)
        return [os.path.join(self.datastore(), f) for f in files]

    def summary_text(self, name):
        """summary.txt of the summary_ds version `name`."""
        return read([f for f in self.dataset_files(name) if f.endswith(".txt")][0])

    def write_customers(self, rows, name="customers-new.csv"):
        """The example's customers.csv cut to its first `rows` rows; returns its path."""
        with open(os.path.join(self.ex, "data", "customers.csv")) as f:
            lines = f.readlines()
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.writelines(lines[:rows + 1])
        return path

    # -- the example -----------------------------------------------------------------------
    def test_pipeline_versions_and_reuse(self):
        self.run_pipeline(self.pipeline)
        steps = self.steps()
        self.assertEqual({n: s["status"] for n, s in steps.items()},
                         {n: "Finished" for n in ALL_STEPS})
        m = {n: s["metrics"] for n, s in steps.items()}
        self.assertEqual(m["profile"]["rows"], 200)
        self.assertEqual(m["profile"]["active"], 111)
        self.assertEqual(m["profile"]["cities"], 8)
        for step in ("docs_download", "docs_mount"):
            self.assertEqual((m[step]["files"], m[step]["lines"], m[step]["csv_files"]), (4, 14, 1),
                             step)
        self.assertEqual((m["summarize"]["doc_files"], m["summarize"]["customer_rows"]), (4, 200))
        # to_pandas_dataframe() gave the dataset's column types as dtypes.
        log = self.runnel("logs", "latest", "profile").stdout
        for col, dtype in (("customer_id", "Int64"), ("score", "float64"), ("active", "boolean"),
                           ("signup_date", r"datetime64\[ns\]"), ("city", "object")):
            self.assertRegex(log, r"(?m)^%s\s+%s$" % (col, dtype))
        # The summary output is registered: version 1, holding what the step wrote.
        self.assertEqual(self.versions("summary_ds"), [1])
        files = self.dataset_files("summary_ds")
        self.assertEqual(sorted(os.path.basename(f) for f in files),
                         ["summary.json", "summary.txt"])
        summary = read([f for f in files if f.endswith(".txt")][0])
        self.assertIn("customers: 200 rows", summary)
        self.assertEqual(steps["summarize"]["outputs"]["summary"], os.path.dirname(files[0]))

        # Unchanged: every step reused, no new version.
        p = self.run_pipeline(self.pipeline)
        self.assertEqual(self.statuses(), {n: "Reused" for n in ALL_STEPS})
        for n in ALL_STEPS:
            self.assertIn("step %s: eligible to reuse run" % n, p.stdout)
        self.assertEqual(self.versions("summary_ds"), [1])

        # New content needs --new-version; then the run reads it and summary_ds gets version 2.
        new = self.write_customers(150)
        p = self.register("customers", "--tabular", new, expect=2)
        self.assertIn("--new-version", p.stderr)
        self.register("customers", "--tabular", new, "--new-version")
        self.assertEqual(self.versions("customers"), [1, 2])
        p = self.run_pipeline(self.pipeline)
        self.assertIn("step profile: will run (input 'customers' content changed", p.stdout)
        self.assertEqual(self.statuses(), {"profile": "Finished", "docs_download": "Reused",
                                           "docs_mount": "Reused", "summarize": "Finished"})
        self.assertEqual(self.steps()["profile"]["metrics"]["rows"], 150)
        self.assertEqual(self.versions("summary_ds"), [1, 2])
        self.assertIn("customers: 150 rows", self.summary_text("summary_ds:2"))
        # Version 1 still holds the first summary.
        self.assertIn("customers: 200 rows", self.summary_text("summary_ds:1"))

        # Unchanged again: all reused, still two versions.
        self.run_pipeline(self.pipeline)
        self.assertEqual(self.statuses(), {n: "Reused" for n in ALL_STEPS})
        self.assertEqual(self.versions("summary_ds"), [1, 2])

    def test_latest_label_and_pinned_version(self):
        # azureml:NAME@latest and dataset:NAME:VERSION select the versions they name.
        self.register("docs", os.path.join(self.ex, "data", "docs", "notes-*.txt"), "--new-version")
        os.symlink(os.path.join(self.ex, "files"), os.path.join(self.dir, "files"))
        for ref, files in (("azureml:docs@latest", 2), ("dataset:docs:1", 4), ("azureml:docs:2", 2),
                           ("dataset:docs", 2)):
            path = self.write("p.yml", ONE_INPUT.format(path=ref, mode="download"))
            self.run_pipeline(path)
            self.assertEqual(self.steps()["read"]["metrics"]["files"], files, ref)

    # -- registered content changed in place -----------------------------------------------
    def test_changed_registered_file_fails_at_submit(self):
        self.run_pipeline(self.pipeline)
        [csv] = self.dataset_files("customers")
        with open(csv) as f:
            text = f.read()
        with open(csv, "w") as f:
            f.write(text.replace("Oslo", "Bergen"))
        p = self.run_pipeline(self.pipeline, expect=2)
        err = self.assert_one_error(p, r"input 'customers' .*dataset 'customers' version 1")
        self.assertIn("pipeline.yml:", err)
        rel = os.path.relpath(csv, self.datastore())
        self.assertIn("workspaceblobstore:" + rel, p.stderr)
        self.assertIn("--new-version", p.stderr)
        self.assertNotIn("Submitted", p.stdout)
        self.assertEqual(len(self.runnel("runs", "list").stdout.strip().splitlines()), 2,
                         "no run should be recorded")  # header + the first run
        # preview says so, and --accept-changed-data runs on the current content.
        p = self.runnel("dataset", "preview", "customers")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stderr, r"warning: .*%s changed since customers:1" % re.escape(rel))
        self.run_pipeline(self.pipeline, "--accept-changed-data")
        self.assertEqual(self.statuses()["profile"], "Finished")

    def test_missing_registered_file_fails_at_submit(self):
        readme = [f for f in self.dataset_files("docs") if f.endswith("readme.txt")][0]
        os.unlink(readme)
        p = self.run_pipeline(self.pipeline, expect=2)
        self.assert_one_error(p, r"dataset 'docs' version 1")
        self.assertRegex(p.stderr, r"docs/readme\.txt \(missing\)")

    def test_ro_mount_cannot_change_registered_files(self):
        # The sandbox (bubblewrap) must work here: CI installs it (scripts/install-deps.sh).
        if not shutil.which("bwrap"):
            self.fail("bwrap is not installed (apt-get install bubblewrap); ro_mount cannot be "
                      "read-only without it")
        os.makedirs(os.path.join(self.dir, "scribble"))
        self.write("scribble/scribble.py", SCRIBBLE_PY)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              scribble:
                type: command
                code: ./scribble
                command: python scribble.py
                inputs:
                  docs: {type: uri_folder, path: "dataset:docs:1", mode: ro_mount}
            """)
        readme = [f for f in self.dataset_files("docs") if f.endswith("readme.txt")][0]
        before = sha256(readme)
        self.run_pipeline(path)
        self.assertEqual(sha256(readme), before, "a step changed registered dataset docs:1 "
                         "through its ro_mount input")
        step = self.steps()["scribble"]
        with open(step["stdout"]) as f:
            self.assertIn("refused: [Errno 30] Read-only file system", f.read())
        with open(step["stderr"]) as f:
            self.assertNotIn("NOT read-only", f.read())

    def test_ro_mount_of_a_local_file_and_the_documented_fallback(self):
        data = self.write("data/in.txt", "original\n")
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              s:
                type: command
                command: echo changed >> ${{inputs.f}}; echo rc=$?
                inputs:
                  f: {type: uri_file, path: ./data/in.txt, mode: ro_mount}
            """)
        # Without bwrap and RUNNEL_SANDBOX=require: the step fails, the file is untouched.
        p = self.runnel("run", path, env=clean_env(RUNNEL_SANDBOX="require",
                                                   RUNNEL_BWRAP="/nonexistent/bwrap"))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertRegex(self.steps()["s"]["error"], r"RUNNEL_SANDBOX=require")
        self.assertEqual(read(data), "original\n")
        # The default: the write is refused inside the sandbox.
        p = self.runnel("run", path)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(read(data), "original\n")
        with open(self.steps()["s"]["stdout"]) as f:
            self.assertRegex(f.read(), r"rc=[12]\n")  # the shell's redirection failed
        # RUNNEL_SANDBOX=off: the fallback, visible on stderr and in the step's log.
        self.write("data/in.txt", "original 2\n")
        p = self.runnel("run", path, env=clean_env(RUNNEL_SANDBOX="off"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("warning: ro_mount inputs are NOT read-only", p.stderr)
        with open(self.steps()["s"]["stderr"]) as f:
            self.assertIn("NOT read-only", f.read())
        self.assertEqual(read(data), "original 2\nchanged\n")

    # -- bad dataset inputs ----------------------------------------------------------------
    def test_tabular_download_is_a_clear_error(self):
        marker = os.path.join(self.dir, "first-ran")
        path = self.write("p.yml", TABULAR_DOWNLOAD.format(marker=marker))
        p = self.runnel("run", path)
        self.assertNotEqual(p.returncode, 0)
        text = p.stdout + p.stderr
        self.assertRegex(text, r"\S*p\.yml:\d+:\d+: jobs\.\w+\.inputs\.customers: dataset 'customers' "
                               r"version 1 is tabular, and tabular datasets support mode: direct "
                               r"only \(got download\); use mode: direct")
    def test_tabular_download_fails_at_submit(self):
        marker = os.path.join(self.dir, "first-ran")
        path = self.write("p.yml", TABULAR_DOWNLOAD.format(marker=marker))
        p = self.runnel("run", path)
        self.assert_one_error(p, r"tabular datasets support mode: direct only")
        self.assertFalse(os.path.exists(marker), "a step ran although the pipeline is invalid")

    def test_unknown_dataset_is_a_clear_error(self):
        os.symlink(os.path.join(self.ex, "files"), os.path.join(self.dir, "files"))
        for ref, pattern in (
                ("dataset:nosuch", r"no dataset called 'nosuch' is registered "
                                   r"\(registered: customers, docs\)"),
                ("azureml:custmers@latest", r"no dataset called 'custmers'"),
                ("azureml://subscriptions/s/resourcegroups/r/workspaces/w/data/nosuch/versions/1",
                 r"no dataset called 'nosuch'"),
                ("dataset:docs:9", r"dataset 'docs' has no version 9 \(versions 1\.\.1\)")):
            path = self.write("p.yml", ONE_INPUT.format(path=ref, mode="download"))
            p = self.runnel("run", path)
            self.assert_one_error(p, pattern)
            self.assertNotIn("Submitted", p.stdout, ref)
        self.assertEqual(self.runnel("runs", "list").stdout.strip().count("\n"), 0,
                         "no run should be recorded")
    def test_unknown_dataset_error_says_where_and_what_to_do(self):
        os.symlink(os.path.join(self.ex, "files"), os.path.join(self.dir, "files"))
        path = self.write("p.yml", ONE_INPUT.format(path="dataset:nosuch", mode="download"))
        err = self.assert_one_error(self.runnel("run", path))
        self.assertRegex(err, r"p\.yml:8:")
        self.assertIn("runnel dataset register", err)
    def test_uri_file_input_of_a_multi_file_dataset_is_an_error(self):
        os.symlink(os.path.join(self.ex, "files"), os.path.join(self.dir, "files"))
        path = self.write("p.yml", ONE_INPUT.format(path="dataset:docs", mode="download")
                          .replace("type: uri_folder, path", "type: uri_file, path"))
        self.assert_one_error(self.runnel("run", path), r"uri_file")

    # -- preview ---------------------------------------------------------------------------
    def test_preview(self):
        p = self.runnel("dataset", "preview", "customers")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "customers:1")
        self.assertEqual(lines[1].split(), ["customer_id", "(integer)", "score", "(float)",
                                            "active", "(boolean)", "signup_date", "(datetime)",
                                            "city", "(string)"])
        self.assertEqual(lines[2].split(), ["1001", "32.38", "true", "2025-02-08", "Lisbon"])
        self.assertEqual(lines[3].split()[0], "1002")
        self.assertLess(len(lines), 60, "preview prints the first rows, not all 200")
        # A file dataset lists its files; an unknown name is an error.
        p = self.runnel("dataset", "preview", "docs")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("file dataset", p.stdout)
        self.assertIn("/tickets.csv", p.stdout)
        p = self.runnel("dataset", "preview", "nosuch")
        self.assert_one_error(p, r"no dataset called 'nosuch'")

    # -- datastore paths -------------------------------------------------------------------
    def test_datastore_path_input_and_output_registered_at_explicit_path(self):
        p = self.runnel("datastore", "upload", os.path.join(self.ex, "data", "docs"), "raw/docs")
        self.assertEqual(p.returncode, 0, p.stderr)
        os.symlink(os.path.join(self.ex, "files"), os.path.join(self.dir, "files"))
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              read:
                type: command
                code: ./files
                command: python list_files.py --input docs --out ${{outputs.listing}}
                inputs:
                  docs:
                    type: uri_folder
                    path: azureml://datastores/workspaceblobstore/paths/raw/docs
                    mode: ro_mount
                outputs:
                  listing:
                    type: uri_folder
                    name: listing_ds
                    path: azureml://datastores/workspaceblobstore/paths/listings/{run-id}
            """)
        self.run_pipeline(path)
        step = self.steps()["read"]
        self.assertEqual(step["metrics"]["files"], 4)
        self.assertEqual(step["outputs"]["listing"],
                         os.path.join(self.datastore(), "listings", step["run_id"]))
        folder = os.path.join(self.datastore(), "listings", step["run_id"])
        self.assertEqual(self.dataset_files("listing_ds"), [os.path.join(folder, "listing.json")])
        self.run_pipeline(path)
        self.assertEqual(self.statuses(), {"read": "Reused"})
        self.assertEqual(self.versions("listing_ds"), [1])


if __name__ == "__main__":
    unittest.main()

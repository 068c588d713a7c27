"""Nothing escapes the datastore through a symlink (issue 10 #2).

A step that commits an output holding a link leaving the output fails with a clear error and
nothing is committed; links that stay inside an output are kept. `datastore upload` does not
write through a link, `download` and `ls` do not read through one, an output `path:` under a
link leading out is refused, and `mode: download` of an output with an inner link gives the
data. Every check also looks at the outside file: it is unchanged and was not read.
"""

import os
import unittest

from e2e_util import WorkspaceTest


class ConfinementTest(WorkspaceTest):

    def setUp(self):
        super().setUp()
        self.outside = os.path.join(self.dir, "outside")
        os.makedirs(self.outside)
        self.secret = os.path.join(self.outside, "secret.txt")
        with open(self.secret, "w") as f:
            f.write("SECRET\n")

    def secret_unchanged(self):
        with open(self.secret) as f:
            self.assertEqual(f.read(), "SECRET\n")
        self.assertEqual(sorted(os.listdir(self.outside)), ["secret.txt"])

    def one_step(self, command, output_type="uri_folder", extra=""):
        return self.write("p.yml", """
            type: pipeline
            jobs:
              s:
                type: command
                command: %s
                outputs:
                  o: {type: %s%s}
            """ % (command, output_type, extra))

    def assert_step_failed(self, path, pattern):
        self.run_pipeline(path, expect=1)
        step = self.steps()["s"]
        self.assertEqual(step["status"], "Failed", step)
        self.assertRegex(step["error"], pattern)
        return step

    # -- commit ----------------------------------------------------------------------------
    def test_output_with_link_leaving_it_fails_the_step(self):
        path = self.one_step("echo hi > ${{outputs.o}}/a.txt; ln -s %s ${{outputs.o}}/leak" % self.secret)
        self.assert_step_failed(path, r"output 'o' of step 's' holds an absolute symlink \(leak -> ")
        path = self.one_step("mkdir ${{outputs.o}}/d; ln -s ../../../../../../../../../../..%s "
                             "${{outputs.o}}/d/leak" % self.secret)
        self.assert_step_failed(path, r"holds a symlink leading outside it \(d/leak -> ")
        runs = os.path.join(self.datastore(), "runs")
        for root, dirs, files in os.walk(runs):
            self.assertNotIn("leak", files + dirs, "a refused output was committed under " + root)
        self.secret_unchanged()

    def test_uri_file_output_that_is_a_link_fails_the_step(self):
        path = self.one_step("ln -s %s ${{outputs.o}}" % self.secret, output_type="uri_file")
        self.assert_step_failed(path, r"output 'o' of step 's' is a symlink")

    def test_links_inside_an_output_are_kept_and_download_gives_the_data(self):
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                type: command
                command: mkdir ${{outputs.o}}/d; echo data > ${{outputs.o}}/d/f.txt; ln -s d/f.txt ${{outputs.o}}/link
                outputs:
                  o: {type: uri_folder}
              b:
                type: command
                command: cat ${{inputs.i}}/link > ${{outputs.o}}/got.txt
                inputs:
                  i:
                    path: ${{parent.jobs.a.outputs.o}}
                    mode: download
                outputs:
                  o: {type: uri_folder}
            """)
        self.run_pipeline(path)
        steps = self.steps()
        a_out = steps["a"]["outputs"]["o"]
        self.assertEqual(os.readlink(os.path.join(a_out, "link")), "d/f.txt")
        with open(os.path.join(steps["b"]["outputs"]["o"], "got.txt")) as f:
            self.assertEqual(f.read(), "data\n")

    def test_output_path_under_a_link_leading_out_is_refused(self):
        os.makedirs(self.datastore(), exist_ok=True)
        os.symlink(self.outside, os.path.join(self.datastore(), "exported"))
        path = self.one_step(
            "echo hi > ${{outputs.o}}/a.txt", extra=
            ", path: 'azureml://datastores/workspaceblobstore/paths/exported/{run-id}'")
        self.assert_step_failed(path, r"resolves to .*outside datastore workspaceblobstore")
        self.secret_unchanged()

    # -- datastore commands ----------------------------------------------------------------
    def plant_links(self):
        """Links in the datastore as an old build could have committed them."""
        ds = self.datastore()
        os.makedirs(ds, exist_ok=True)
        os.symlink(self.secret, os.path.join(ds, "file-link"))
        os.symlink(self.outside, os.path.join(ds, "dir-link"))
        return ds

    def test_upload_does_not_write_through_links(self):
        ds = self.plant_links()
        src = self.write("new.txt", "NEW\n")
        p = self.runnel("datastore", "upload", src, "dir-link/new.txt")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertRegex(p.stderr, r"resolves outside")
        # Uploading onto the file link replaces the link itself, never the file it names.
        p = self.runnel("datastore", "upload", src, "file-link")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.islink(os.path.join(ds, "file-link")))
        self.secret_unchanged()

    def test_download_and_ls_do_not_read_through_links(self):
        self.plant_links()
        dest = os.path.join(self.dir, "got")
        for src in ("file-link", "dir-link", "dir-link/secret.txt", "."):
            p = self.runnel("datastore", "download", src, dest + "/")
            self.assertEqual(p.returncode, 2, "download %s: %s" % (src, p.stdout + p.stderr))
            self.assertRegex(p.stderr, r"outside")
        for root, _, files in os.walk(self.dir):
            if root.startswith(dest):
                self.assertEqual(files, [], "download wrote " + root)
        for pattern in ("dir-link", "dir-link/*.txt", "."):
            p = self.runnel("datastore", "ls", pattern)
            self.assertEqual(p.returncode, 2, "ls %s: %s" % (pattern, p.stdout + p.stderr))
            self.assertNotIn("SECRET", p.stdout)
            self.assertRegex(p.stderr, r"leads outside it")


if __name__ == "__main__":
    unittest.main()

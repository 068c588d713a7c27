"""DataTransferStep (the Python SDK, unchanged SDK calls) whose destination is a DataReference
on an object-store datastore, against real servers: Azurite (Azure Blob) and
@20minutes/s3rver (S3), started by scripts/services/*-up.sh.

- The copy is reused while the destination holds what the step wrote (checked by one
  listing: names, sizes, ETags, MD5s).
- A blob altered at the destination, one removed, or the whole destination removed reruns the
  copy, which writes it again; `runnel why` names the destination and the run that wrote it.
- wasbs:// and https://ACCOUNT.blob.core.windows.net/ inputs of a v2 pipeline read through the
  registered azure_blob datastore of that account and container; without one, a clear error.
- `runnel datastore rm` removes a file or a folder from an object store or a local datastore,
  and refuses the whole datastore, paths escaping it, and paths that are not there.

Run directly (ctest does): exits 77 (a visible ctest skip) when a server cannot start.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sdk_util import SdkScriptTest  # noqa: E402
from test_objstore import AZ_ACCOUNT, AZ_KEY, AZ_PORT, S3_KEY, S3_PORT, main  # noqa: E402

SCRIPT = """
import sys
from azureml.core import Workspace, Experiment, Datastore
from azureml.data.data_reference import DataReference
from azureml.pipeline.core import Pipeline
from azureml.pipeline.steps import DataTransferStep

ws = Workspace.from_config()
src = DataReference(datastore=ws.get_default_datastore(), data_reference_name="source_data",
                    path_on_datastore="testdata")
dst = DataReference(datastore=Datastore.get(ws, sys.argv[1]), data_reference_name="dest",
                    path_on_datastore="copied")
step = DataTransferStep(name="transfer", source_data_reference=src, destination_data_reference=dst)
run = Experiment(ws, "transfer").submit(Pipeline(workspace=ws, steps=[step]))
run.wait_for_completion(show_output=False)
print("status:", run.get_status())
"""

FILES = {"a.csv": "x,y\n1,2\n", "b.csv": "x,y\n3,4\n5,6\n"}


class TransferToObjectStoreBase:
    """Subclasses register the destination datastore `dst`."""

    def register(self):
        raise NotImplementedError

    def setUp(self):
        super().setUp()
        self.bucket = "x%d%s" % (int(time.time() * 1000) % 10**10,
                                 self.id().rsplit(".", 1)[1][-6:].lower().replace("_", ""))
        p = self.register()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        src = os.path.join(self.datastore(), "testdata")
        os.makedirs(src)
        for name, text in FILES.items():
            with open(os.path.join(src, name), "w") as f:
                f.write(text)
        with open(os.path.join(self.ws, "pipeline.py"), "w") as f:
            f.write(SCRIPT)

    def ok(self, *args):
        p = self.runnel(*args, timeout=120)
        self.assertEqual(p.returncode, 0, "runnel %s:\n%s%s" % (" ".join(map(str, args)), p.stdout, p.stderr))
        self.assertNotIn(AZ_KEY, p.stdout + p.stderr)
        return p

    def transfer(self):
        """Runs the pipeline; returns the transfer step's status and `runnel why`."""
        p = self.run_script("pipeline.py", "dst")
        self.assertIn("status: Finished", p.stdout, p.stderr)
        status = self.latest_steps()["transfer"]["status"]
        return status, self.ok("why", "latest", "transfer").stdout

    def remote(self):
        """{name: text} of what dst holds under copied/."""
        out = os.path.join(self.dir, "dl-%d" % time.monotonic_ns())
        self.ok("datastore", "download", "copied", out, "--datastore", "dst")
        got = {}
        for name in sorted(os.listdir(out)):
            with open(os.path.join(out, name)) as f:
                got[name] = f.read()
        return got

    def test_destination_altered_or_deleted_reruns_the_copy(self):
        self.assertEqual(self.transfer()[0], "Finished")
        first = self.latest_steps()["transfer"]["run_id"]
        self.assertEqual(self.remote(), FILES)
        self.assertEqual(self.transfer()[0], "Reused")

        # One blob altered behind the same name.
        altered = self.write("altered/a.csv", "x,y\n9,9\n")
        self.ok("datastore", "upload", altered, "copied/a.csv", "--datastore", "dst")
        status, why = self.transfer()
        self.assertEqual(status, "Finished", why)
        self.assertIn("destination 'copied' on datastore 'dst' changed since run %s wrote it" % first, why)
        self.assertEqual(self.remote(), FILES)
        self.assertEqual(self.transfer()[0], "Reused")

        # One blob removed: 2 objects then, 1 now.
        self.ok("datastore", "rm", "copied/b.csv", "--datastore", "dst")
        status, why = self.transfer()
        self.assertEqual(status, "Finished", why)
        self.assertIn("2 object(s) then, 1 object(s) now", why)
        self.assertEqual(self.remote(), FILES)

        # The whole destination removed.
        p = self.ok("datastore", "rm", "copied", "--datastore", "dst")
        self.assertIn("Removed 2 file(s) from dst:copied", p.stdout)
        status, why = self.transfer()
        self.assertEqual(status, "Finished", why)
        self.assertIn("destination 'copied' on datastore 'dst' that run", why)
        self.assertIn("was deleted since", why)
        self.assertEqual(self.remote(), FILES)
        self.assertEqual(self.transfer()[0], "Reused")

    def test_rm_refuses_the_whole_datastore_and_missing_paths(self):
        self.assert_one_error(self.runnel("datastore", "rm", ".", "--datastore", "dst"),
                              "refusing to remove the whole datastore")
        self.assert_one_error(self.runnel("datastore", "rm", "nothing/here", "--datastore", "dst"),
                              "has nothing at 'nothing/here'.*runnel datastore ls")


class AzureBlobTransferTest(TransferToObjectStoreBase, SdkScriptTest):
    def register(self):
        return self.runnel("datastore", "register", "dst", "--type", "azure_blob", "--account-name", AZ_ACCOUNT,
                           "--container", self.bucket, "--account-key", AZ_KEY, "--protocol", "http",
                           "--endpoint", "127.0.0.1:%d" % AZ_PORT, "--create")


class S3TransferTest(TransferToObjectStoreBase, SdkScriptTest):
    def register(self):
        return self.runnel("datastore", "register", "dst", "--type", "s3", "--bucket", self.bucket,
                           "--endpoint-url", "http://127.0.0.1:%d" % S3_PORT, "--access-key-id", S3_KEY,
                           "--secret-access-key", S3_KEY, "--create")


BLOB_URLS = """
type: pipeline
jobs:
  read:
    command: cat ${{{{inputs.folder}}}}/*.txt ${{{{inputs.one}}}} > ${{{{outputs.out}}}}/all.txt
    inputs:
      folder: {{type: uri_folder, path: 'wasbs://{container}@devstoreaccount1.blob.core.windows.net/raw/'}}
      one: {{type: uri_file, path: 'https://devstoreaccount1.blob.core.windows.net/{container}/raw/b.txt'}}
    outputs:
      out: {{type: uri_folder}}
"""


class BlobUrlInputTest(SdkScriptTest):
    """wasbs:// and https://ACCOUNT.blob.core.windows.net/ inputs read through the registered
    azure_blob datastore of that account and container (here on Azurite)."""

    def setUp(self):
        super().setUp()
        self.container = "u%d%s" % (int(time.time() * 1000) % 10**10,
                                    self.id().rsplit(".", 1)[1][-6:].lower().replace("_", ""))

    def test_blob_urls_map_to_the_registered_datastore(self):
        p = self.runnel("datastore", "register", "rawblobs", "--type", "azure_blob", "--account-name", AZ_ACCOUNT,
                        "--container", self.container, "--account-key", AZ_KEY, "--protocol", "http",
                        "--endpoint", "127.0.0.1:%d" % AZ_PORT, "--create")
        self.assertEqual(p.returncode, 0, p.stderr)
        raw = os.path.join(self.dir, "raw")
        os.makedirs(raw)
        for name, text in (("a.txt", "alpha\n"), ("b.txt", "bravo\n")):
            with open(os.path.join(raw, name), "w") as f:
                f.write(text)
        p = self.runnel("datastore", "upload", raw, "raw/", "--datastore", "rawblobs")
        self.assertEqual(p.returncode, 0, p.stderr)
        path = self.write("urls.yml", BLOB_URLS.format(container=self.container))
        self.run_pipeline(path)
        out = self.steps()["read"]["outputs"]["out"]
        with open(os.path.join(out, "all.txt")) as f:
            self.assertEqual(f.read(), "alpha\nbravo\nbravo\n")
        self.run_pipeline(path)
        self.assertEqual(self.steps()["read"]["status"], "Reused")
        # A changed blob behind the same URL reruns the step.
        changed = self.write("changed/b.txt", "BRAVO\n")
        self.assertEqual(self.runnel("datastore", "upload", changed, "raw/b.txt", "--datastore", "rawblobs")
                         .returncode, 0)
        self.run_pipeline(path)
        self.assertEqual(self.steps()["read"]["status"], "Finished")

    def test_blob_url_without_a_datastore_says_how_to_register_one(self):
        path = self.write("urls.yml", BLOB_URLS.format(container=self.container))
        self.assert_bad_input(self.runnel("run", path), "urls.yml", 6, "jobs.read.inputs.folder.path",
                              what="no registered datastore is Azure Blob container '%s' of account "
                              "'devstoreaccount1'.*runnel datastore register NAME --type azure_blob "
                              "--account-name devstoreaccount1 --container %s" % (self.container, self.container))


class LocalRmTest(SdkScriptTest):
    def test_rm_on_a_local_datastore(self):
        d = self.datastore()
        os.makedirs(os.path.join(d, "keep", "sub"))
        for rel in ("keep/sub/a.txt", "keep/b.txt", "other.txt"):
            with open(os.path.join(d, rel), "w") as f:
                f.write(rel)
        outside = self.write("outside/secret.txt", "not the datastore's")
        os.symlink(os.path.dirname(outside), os.path.join(d, "link"))
        self.assert_one_error(self.runnel("datastore", "rm", "../ws"), "")
        self.assert_one_error(self.runnel("datastore", "rm", "."), "refusing to remove the whole datastore")
        self.assert_one_error(self.runnel("datastore", "rm", "link/secret.txt"), "passes through a symlink")
        self.assertTrue(os.path.exists(outside))
        self.assert_one_error(self.runnel("datastore", "rm", "gone"), "has nothing at 'gone'")
        p = self.runnel("datastore", "rm", "keep")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Removed 2 file(s) from workspaceblobstore:keep", p.stdout)
        self.assertFalse(os.path.exists(os.path.join(d, "keep")))
        self.assertTrue(os.path.exists(os.path.join(d, "other.txt")))


if __name__ == "__main__":
    main()

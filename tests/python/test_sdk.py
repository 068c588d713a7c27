"""Unit tests of the Python SDK (runnel.sdk, re-exported as azureml.*): every class, its
SDK keywords and defaults, and bad arguments. Needs the native module (runnel/_runnel*.so,
CMake target runnel_python): without it these tests fail, they do not skip.

Run: /usr/bin/python3 -m unittest discover -s tests/python -p 'test_sdk*.py'
"""

import io
import json
import os
import shutil
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

import helpers  # noqa: F401  (puts python/ on sys.path)

import runnel
from azureml.core import (VERSION, ComputeTarget, Dataset, Datastore, Environment, Experiment, Run,
                          RunConfiguration, ScriptRunConfig, Workspace)
from azureml.core.authentication import InteractiveLoginAuthentication, ServicePrincipalAuthentication
from azureml.core.compute import AmlCompute
from azureml.core.compute_target import ComputeTargetException
from azureml.core.conda_dependencies import CondaDependencies
from azureml.core.runconfig import DEFAULT_CPU_IMAGE, DockerConfiguration
from azureml.data import OutputFileDatasetConfig
from azureml.data.data_reference import DataReference
from azureml.data.datapath import DataPath, DataPathComputeBinding
from azureml.data.dataset_consumption_config import DatasetConsumptionConfig
from azureml.pipeline.core import (Pipeline, PipelineData, PipelineDraft, PipelineEndpoint, PublishedPipeline,
                                   Schedule, ScheduleRecurrence, StepSequence)
from azureml.pipeline.core.graph import PipelineParameter
from azureml.pipeline.steps import AutoMLStep, CommandStep, DataTransferStep, PythonScriptStep
from azureml.widgets import RunDetails

errors = runnel.errors


class SdkTestBase(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="runnel-sdk-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.cwd = os.getcwd()
        self.addCleanup(os.chdir, self.cwd)
        self.saved_env = os.environ.pop("RUNNEL_WORKSPACE", None)
        self.addCleanup(lambda: self.saved_env and os.environ.__setitem__("RUNNEL_WORKSPACE", self.saved_env))
        with redirect_stdout(io.StringIO()):
            self.ws = Workspace.create("unit", path=os.path.join(self.root, "ws"))
        os.chdir(self.ws.path)

    def write(self, rel, text):
        path = os.path.join(self.ws.path, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path


class WorkspaceTest(SdkTestBase):
    def test_default_keyvault_sets_gets_lists_deletes_and_never_shows_values(self):
        from azureml.core.keyvault import Keyvault
        from azureml.exceptions import UserErrorException
        kv = self.ws.get_default_keyvault()
        self.assertIsInstance(kv, Keyvault)
        kv.set_secret("db-password", "hunter2", content_type="text/plain")
        kv.set_secrets({"a-1": "x", "b-2": "y"})
        self.assertEqual(kv.get_secret("db-password"), "hunter2")
        self.assertEqual(kv.get_secret_content_type("db-password"), "text/plain")
        self.assertEqual(kv.get_secrets(["a-1", "nope"]), {"a-1": "x", "nope": None})
        self.assertEqual(kv.list_secrets(), [{"name": "a-1"}, {"name": "b-2"}, {"name": "db-password"}])
        kv.set_secret("a-1", "x2")  # replaced
        self.assertEqual(Keyvault(self.ws).get_secret("a-1"), "x2")
        kv.delete_secrets(["a-1", "b-2"])
        self.assertEqual(kv.list_secrets(), [{"name": "db-password"}])
        with self.assertRaisesRegex(UserErrorException, "no secret named 'a-1'"):
            kv.get_secret("a-1")
        with self.assertRaisesRegex(UserErrorException, "not valid"):
            kv.set_secret("bad name!", "v")
        with self.assertRaisesRegex(UserErrorException, "must be a str"):
            kv.set_secret("n", 5)
        with self.assertRaisesRegex(UserErrorException, "no secret named 'zz'"):
            kv.delete_secret("zz")
        self.assertNotIn("hunter2", repr(kv))
        path = os.path.join(self.ws.path, ".runnel", "secrets.json")
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        # An offline run cannot read them (no workspace), and says how to.
        from azureml.core import Run
        with self.assertRaisesRegex(UserErrorException, "offline run has no workspace"):
            Run.get_context().get_secret("db-password")

    def test_from_config_walks_up_and_reads_azure_config(self):
        with open(os.path.join(self.ws.path, "config.json"), "w") as f:
            json.dump({"subscription_id": "sub-1", "resource_group": "rg-1", "workspace_name": "ws-1"}, f)
        sub = os.path.join(self.ws.path, "a", "b")
        os.makedirs(sub)
        os.chdir(sub)
        ws = Workspace.from_config()
        self.assertEqual((ws.name, ws.subscription_id, ws.resource_group), ("ws-1", "sub-1", "rg-1"))
        self.assertEqual(ws.path, self.ws.path)
        self.assertEqual(ws.location, "local")
        self.assertEqual(Workspace.from_config(path=os.path.join(self.ws.path, "config.json")).path, self.ws.path)

    def test_from_config_without_workspace(self):
        os.chdir(self.root)
        with self.assertRaises(errors.NotFoundError) as e:
            Workspace.from_config(path=self.root)
        self.assertIn("runnel init", str(e.exception))
        self.assertIsInstance(e.exception, LookupError)

    def test_create_exist_ok(self):
        with self.assertRaises(errors.AlreadyExistsError):
            Workspace.create("again", path=self.ws.path, show_output=False)
        self.assertEqual(Workspace.create("again", path=self.ws.path, exist_ok=True, show_output=False).path,
                         self.ws.path)

    def test_get_and_collections(self):
        ws = Workspace.get("named", path=self.ws.path)
        self.assertEqual(ws.name, "named")
        self.assertEqual(set(ws.datastores), {"workspaceblobstore", "workspacefilestore"})
        self.assertEqual(ws.get_default_datastore().name, "workspaceblobstore")
        self.assertEqual(ws.compute_targets, {})
        self.assertEqual(ws.experiments, {})
        self.assertEqual([n for n in ws.environments if not n.startswith("AzureML-")], [])  # only the curated
        self.assertEqual(ws.datasets, {})
        self.assertIn("Workspace.create(name='unit'", repr(self.ws))
        with Workspace.from_config() as w:
            self.assertEqual(w, self.ws)

    def test_write_config(self):
        path = self.ws.write_config(path=self.root)
        with open(path) as f:
            self.assertEqual(json.load(f)["workspace_name"], "unit")


class DatastoreTest(SdkTestBase):
    def test_named_default_and_unknown(self):
        self.assertEqual(Datastore(self.ws, "workspacefilestore").name, "workspacefilestore")
        self.assertEqual(Datastore.get(self.ws, "workspaceblobstore"), Datastore.get_default(self.ws))
        with self.assertRaises(errors.NotFoundError) as e:
            Datastore(self.ws, "nope")
        self.assertIn("workspaceblobstore", str(e.exception))
        with self.assertRaises(TypeError):
            Datastore(42, "x")

    def test_upload_download(self):
        src = os.path.join(self.root, "src")
        os.makedirs(os.path.join(src, "sub"))
        for rel in ("a.txt", "sub/b.txt"):
            with open(os.path.join(src, rel), "w") as f:
                f.write(rel)
        ds = self.ws.get_default_datastore()
        with redirect_stdout(io.StringIO()):
            ref = ds.upload(src, target_path="up", show_progress=False)
            self.assertIsInstance(ref, DataReference)
            self.assertTrue(os.path.isfile(os.path.join(ds.root, "up", "sub", "b.txt")))
            ds.upload_files([os.path.join(src, "a.txt")], target_path="single", show_progress=False)
            self.assertTrue(os.path.isfile(os.path.join(ds.root, "single", "a.txt")))
            n = ds.download(os.path.join(self.root, "down"), prefix="up", show_progress=False)
        self.assertEqual(n, 2)
        self.assertTrue(os.path.isfile(os.path.join(self.root, "down", "up", "a.txt")))
        with self.assertRaises(errors.InvalidArgumentError):
            ds.upload_files([os.path.join(src, "a.txt")], target_path="../escape", show_progress=False)
        with self.assertRaises(TypeError):
            ds.upload_files(os.path.join(src, "a.txt"))
        with self.assertRaises(errors.NotFoundError):
            ds.upload(os.path.join(self.root, "missing"))


class DatasetTest(SdkTestBase):
    def setUp(self):
        super().setUp()
        ds = self.ws.get_default_datastore()
        for i in range(3):
            self.write(os.path.join(ds.root, "files", "f%d.txt" % i), "x" * i)
        self.write(os.path.join(ds.root, "tab", "t.csv"), "a,b,c\n1,2.5,x\n3,4.5,y\n")
        self.ds = ds

    def test_file_dataset(self):
        fd = Dataset.File.from_files([(self.ds, "files/")])
        self.assertEqual(sorted(fd.to_path()), ["/f0.txt", "/f1.txt", "/f2.txt"])
        self.assertIsNone(fd.name)
        reg = fd.register(self.ws, "files", description="three files")
        self.assertEqual((reg.name, reg.version, reg.id), ("files", 1, "files:1"))
        self.assertEqual(Dataset.get_by_name(self.ws, "files").version, 1)
        self.assertEqual(Dataset.get_by_id(self.ws, "files:1").name, "files")
        self.assertIn("files", self.ws.datasets)
        target = os.path.join(self.root, "dl")
        fd.download(target)
        self.assertEqual(len(os.listdir(target)), 3)
        cc = fd.as_named_input("raw")
        self.assertIsInstance(cc, DatasetConsumptionConfig)
        self.assertEqual(cc.mode, "direct")
        self.assertEqual(cc.as_download().mode, "download")
        self.assertEqual(cc.as_mount().mode, "mount")

    def test_get_by_id_of_a_dataset_argument_inside_a_step(self):
        # The SDK passes a direct-mode dataset in arguments as its id; runnel passes the path of
        # the input's dataset.json, and Dataset.get_by_id takes that back to the dataset.
        tab = Dataset.Tabular.from_delimited_files([(self.ds, "tab/t.csv")]).register(self.ws, "tab")
        self.write("src/byid.py",
                   "import sys, json\nfrom azureml.core import Run, Dataset, Workspace\n"
                   "run = Run.get_context()\n"
                   "ds = Dataset.get_by_id(run.experiment.workspace, id=sys.argv[2])\n"
                   "df = ds.to_pandas_dataframe()\n"
                   "sdk = Dataset.get_by_id(Workspace.from_config(), id=sys.argv[2])\n"
                   "run.log('got', json.dumps([ds.name, ds.version, list(df.columns), len(df), sdk.name, sdk.version]))\n")
        s = PythonScriptStep("byid.py", arguments=["--input-data", tab.as_named_input("raw_data")],
                             source_directory="src")
        with redirect_stdout(io.StringIO()):
            run = Experiment(self.ws, "byid").submit(Pipeline(self.ws, [s]))
            status = run.wait_for_completion(show_output=False, raise_on_error=False)
        step = run.find_step_run("byid.py")[0]
        self.assertEqual(status, "Finished", step.get_job_log()[-800:])
        self.assertEqual(json.loads(step.get_metrics()["got"]), ["tab", 1, ["a", "b", "c"], 2, "tab", 1])
        # From the driver too: the path a step got (in its context) is the same dataset.
        with open(os.path.join(step._record()["run_dir"], "context.json")) as f:
            path = json.load(f)["inputs"]["raw_data"]["path"]
        self.assertEqual(Dataset.get_by_id(self.ws, id=path).id, "tab:1")
        with self.assertRaisesRegex(ValueError, "dataset.json"):
            Dataset.get_by_id(self.ws, id="no-colon")

    def test_tabular_dataset(self):
        td = Dataset.Tabular.from_delimited_files([(self.ds, "tab/t.csv")])
        self.assertEqual(td.columns, ["a", "b", "c"])
        df = td.to_pandas_dataframe()
        self.assertEqual(list(df["a"]), [1, 3])
        self.assertEqual(len(td.take(1).to_pandas_dataframe()), 1)
        with self.assertRaises(ValueError):
            td.as_named_input("t").as_download()
        no_header = Dataset.Tabular.from_delimited_files([(self.ds, "tab/t.csv")], header=False)
        self.assertEqual(no_header.columns, ["Column1", "Column2", "Column3"])

    def test_a_dataset_name_with_inner_spaces_registers(self):
        # DP-100's labs register 'diabetes dataset'; Azure ML accepts inner spaces.
        td = Dataset.Tabular.from_delimited_files([(self.ds, "tab/t.csv")])
        td.register(self.ws, name="diabetes dataset", create_new_version=True)
        got = Dataset.get_by_name(self.ws, "diabetes dataset")
        self.assertEqual(list(got.to_pandas_dataframe()["a"]), [1, 3])
        self.assertIn("diabetes dataset", self.ws.datasets)
        for bad in (" lead", "trail ", "a/b"):
            with self.assertRaises(Exception):
                td.register(self.ws, name=bad)

    def test_bad_dataset_arguments(self):
        with self.assertRaises(errors.NotFoundError):
            Dataset.File.from_files([(self.ds, "nothing-here/*.txt")])
        with self.assertRaises(TypeError):
            Dataset.File.from_files([42])
        with self.assertRaises(errors.NotFoundError):
            Dataset.get_by_name(self.ws, "missing")
        with self.assertRaises(ValueError):
            Dataset.get_by_id(self.ws, "no-version")
        fd = Dataset.File.from_files([(self.ds, "files/")])
        fd.register(self.ws, "taken")
        self.write(os.path.join(self.ds.root, "files", "f9.txt"), "new")
        with self.assertRaises(errors.AlreadyExistsError):
            Dataset.File.from_files([(self.ds, "files/")]).register(self.ws, "taken")
        with self.assertRaises(ValueError):
            fd.as_named_input("")
        with self.assertRaises(ValueError):
            DatasetConsumptionConfig("x", fd, mode="stream")


class DataReferenceTest(SdkTestBase):
    def test_data_reference_and_datapath(self):
        ds = self.ws.get_default_datastore()
        ref = DataReference(ds, data_reference_name="raw", path_on_datastore="raw")
        self.assertEqual((ref.mode, ref.datastore_name, repr(ref)), ("mount", "workspaceblobstore",
                                                                   "$AZUREML_DATAREFERENCE_raw"))
        self.assertEqual(ref.as_download().mode, "download")
        dp = DataPath(datastore=ds, path_on_datastore="raw")
        self.assertEqual(dp.create_data_reference("p", DataPathComputeBinding(mode="download")).mode, "download")
        with self.assertRaises(TypeError):
            DataReference("not a datastore")
        with self.assertRaises(ValueError):
            DataReference(ds, mode="stream")
        with self.assertRaises(ValueError):
            DataPathComputeBinding(mode="upload")
        with self.assertRaises(TypeError):
            DataPath(datastore="x")


class ComputeTest(SdkTestBase):
    def test_create_get_status_delete(self):
        cfg = AmlCompute.provisioning_configuration(vm_size="STANDARD_NC6", min_nodes=0, max_nodes=3)
        ct = ComputeTarget.create(self.ws, "cpu", cfg)
        self.assertIs(type(ct), AmlCompute)
        out = io.StringIO()
        with redirect_stdout(out):
            ct.wait_for_completion(show_output=True, min_node_count=None, timeout_in_minutes=20)
        self.assertIn("Succeeded", out.getvalue())
        self.assertEqual(ct.status.serialize()["scaleSettings"]["maxNodeCount"], 3)
        self.assertEqual(ct.get_status().provisioningState, "Succeeded")
        self.assertIn("cpu", self.ws.compute_targets)
        self.assertEqual(ComputeTarget(self.ws, "cpu").max_nodes, 3)
        self.assertEqual(ComputeTarget(self.ws, "cpu").vm_size, "STANDARD_NC6")  # recorded
        rec = self.ws._native.get_compute("cpu")
        self.assertEqual(json.loads(rec["config_json"])["max_nodes"], 3)
        self.assertEqual(ComputeTarget.create(self.ws, "cpu", cfg).name, "cpu")  # existing: as is
        ct.delete()
        with self.assertRaises(ComputeTargetException) as e:
            ComputeTarget(workspace=self.ws, name="cpu")
        self.assertIn("not found", str(e.exception))

    def test_existing_slurm_target_used_as_is(self):
        self.ws._native.put_compute("cluster", "slurm", json.dumps({"partition": "debug"}))
        ct = ComputeTarget.create(self.ws, "cluster", AmlCompute.provisioning_configuration(max_nodes=2))
        self.assertEqual(ct.type, "Slurm")
        self.assertEqual(self.ws._native.get_compute("cluster")["type"], "slurm")

    def test_bad_provisioning(self):
        with self.assertRaises(ValueError):
            AmlCompute.provisioning_configuration(max_nodes=0)
        with self.assertRaises(ValueError):
            AmlCompute.provisioning_configuration(min_nodes=5, max_nodes=2)
        with self.assertRaises(TypeError):
            ComputeTarget.create(self.ws, "x", {"max_nodes": 2})
        with self.assertRaises(TypeError):
            AmlCompute.provisioning_configuration(vm_sizes="typo")


class EnvironmentTest(SdkTestBase):
    def test_conda_dependencies(self):
        cd = CondaDependencies.create(conda_packages=["pandas", "scikit-learn"],
                                      pip_packages=["azureml-sdk"], pin_sdk_version=False)
        cd.add_pip_package("requests")
        cd.add_conda_package("numpy")
        text = cd.serialize_to_string()
        for p in ("- pandas", "- numpy", "  - azureml-sdk", "  - requests"):
            self.assertIn(p, text)
        path = os.path.join(self.root, "env.yml")
        cd.save(path)
        self.assertIn("requests", list(CondaDependencies(path).pip_packages))
        with self.assertRaises(TypeError):
            cd.add_pip_package(None)

    def test_environment_register_get(self):
        env = Environment("sklearn-env")
        env.environment_variables["OMP_NUM_THREADS"] = "1"
        env.python.conda_dependencies = CondaDependencies.create(pip_packages=["scikit-learn"])
        reg = env.register(self.ws)
        self.assertEqual(reg.version, "1")
        self.assertEqual(env.register(self.ws).version, "1")  # unchanged: same version
        env.environment_variables["OMP_NUM_THREADS"] = "2"
        self.assertEqual(env.register(self.ws).version, "2")
        got = Environment.get(self.ws, "sklearn-env")
        self.assertEqual(got.environment_variables, {"OMP_NUM_THREADS": "2"})
        self.assertIn("scikit-learn", list(got.python.conda_dependencies.pip_packages))
        self.assertEqual(Environment.get(self.ws, "sklearn-env", version="1").environment_variables,
                         {"OMP_NUM_THREADS": "1"})
        self.assertIn("sklearn-env", self.ws.environments)
        self.assertEqual(Environment.get(self.ws, "AzureML-Tutorial").name, "AzureML-Tutorial")
        with self.assertRaises(errors.NotFoundError):
            Environment.get(self.ws, "missing-env")
        with self.assertRaises(ValueError):
            Environment("")

    def test_docker_image_and_conda_specification_reach_the_definition(self):
        env = Environment.from_docker_image("img-env", "python:3.11-slim")
        env.python.user_managed_dependencies = False
        env.python.conda_dependencies = CondaDependencies.create(pip_packages=["tensorflow==1.15.2"])
        reg = env.register(self.ws)
        d = json.loads(self.ws._native.get_environment_definition("img-env", int(reg.version)))
        self.assertEqual(d["image"], "python:3.11-slim")
        self.assertIn("tensorflow==1.15.2", d["conda_file"])
        self.assertTrue(d["record_only"])  # recorded and fingerprinted, not pip-installed
        got = Environment.get(self.ws, "img-env")
        self.assertEqual(got.docker.base_image, "python:3.11-slim")
        self.assertEqual(env.register(self.ws).version, reg.version)  # the same definition
        # The SDK's default image names nothing in particular: not recorded.
        plain = Environment("plain-env")
        plain.environment_variables["A"] = "1"
        rec = plain.register(self.ws)
        self.assertEqual(json.loads(self.ws._native.get_environment_definition("plain-env", int(rec.version)))["image"], "")
        # A registry address is part of the image's name.
        from azureml.core.container_registry import ContainerRegistry
        reg_env = Environment.from_docker_image("acr-env", "team/train:3",
                                                container_registry=ContainerRegistry("myacr.azurecr.io"))
        self.assertEqual(reg_env._image(), "myacr.azurecr.io/team/train:3")

    def test_a_cli_environment_used_from_the_sdk_keeps_its_packages(self):
        import subprocess
        bin_ = os.environ.get("RUNNEL_BIN") or os.path.join(helpers.REPO, "build", "runnel")
        subprocess.run([bin_, "-w", self.ws.path, "env", "create", "pkgs", "--python", "/usr/bin/python3",
                        "--pip", "localpkg==1.0", "--find-links", self.root, "--no-index"],
                       check=True, capture_output=True)
        env = Environment.get(self.ws, "pkgs")
        self.assertEqual(env._resolve(self.ws), "pkgs")  # as registered: no new version
        self.assertEqual(self.ws._native.get_environment("pkgs", 0)["version"], 1)
        env.environment_variables["MODE"] = "fast"  # changed through the SDK: a new version
        self.assertEqual(env._resolve(self.ws), "pkgs")
        d = json.loads(self.ws._native.get_environment_definition("pkgs", 2))
        self.assertEqual(d["pip"], ["localpkg==1.0"])  # what the SDK has no field for is kept
        self.assertEqual(d["variables"], {"MODE": "fast"})
        self.assertFalse(d["record_only"])
        old = Environment.get(self.ws, "pkgs", version="1")
        self.assertEqual(old._resolve(self.ws), "pkgs:1")  # an older version stays pinned

    def test_from_files(self):
        req = self.write("requirements.txt", "numpy\n# comment\npandas==2.0\n")
        env = Environment.from_pip_requirements("pipenv", req)
        self.assertEqual(list(env.python.conda_dependencies.pip_packages), ["numpy", "pandas==2.0"])
        yml = self.write("conda.yml", "name: x\ndependencies:\n- python=3.11\n- pip:\n  - requests\n")
        env = Environment.from_conda_specification("condaenv", yml)
        self.assertEqual(list(env.python.conda_dependencies.pip_packages), ["requests"])

    def test_runconfig(self):
        rc = RunConfiguration()
        self.assertEqual(rc.target, "local")
        self.assertEqual(rc.environment.docker.base_image, DEFAULT_CPU_IMAGE)
        rc.environment.python.user_managed_dependencies = False
        self.assertEqual(rc._to_native(self.ws), {})  # the default environment
        rc.environment_variables = {"A": "1"}
        self.assertEqual(rc._to_native(self.ws)["environment"], "Experiment_runnel_Environment")
        self.assertIsNone(DockerConfiguration(use_docker=False).shm_size)

    def test_auth_stand_ins(self):
        os.environ["RUNNEL_TOKEN"] = "tok"
        self.addCleanup(os.environ.pop, "RUNNEL_TOKEN")
        self.assertEqual(InteractiveLoginAuthentication().get_authentication_header(),
                         {"Authorization": "Bearer tok"})
        self.assertEqual(ServicePrincipalAuthentication("t", "id", "pw").get_authentication_header()["Authorization"],
                         "Bearer tok")
        self.assertTrue(VERSION.startswith("1."))


class StepAndPipelineTest(SdkTestBase):
    def setUp(self):
        super().setUp()
        self.write("src/a.py", "print('a')\n")
        self.write("src/b.py", "print('b')\n")

    def test_step_defaults_and_names(self):
        s = PythonScriptStep("a.py", source_directory="src")
        self.assertEqual(s.name, "a.py")
        self.assertTrue(s.allow_reuse)
        self.assertEqual(s.hash_paths, [])
        with self.assertRaises(TypeError):
            PythonScriptStep("a.py", source_directory="src", no_such_keyword=1)
        with self.assertRaises(ValueError):
            PythonScriptStep(None)
        with self.assertRaises(TypeError):
            PythonScriptStep("a.py", arguments="--x 1")
        with self.assertRaises(TypeError):
            PythonScriptStep("a.py", inputs=[42])
        with self.assertRaises(TypeError):
            PythonScriptStep("a.py", outputs=["x"])
        with self.assertRaises(TypeError):
            PythonScriptStep("a.py", compute_target=3)
        with self.assertRaises(TypeError):
            PythonScriptStep("a.py", runconfig={"target": "x"})
        with self.assertRaises(TypeError):
            PythonScriptStep("a.py", allow_reuse="yes")

    def test_duplicate_default_names_get_a_suffix(self):
        d1 = PipelineData("d1")
        s1 = PythonScriptStep("a.py", arguments=["--out", d1], source_directory="src")
        s2 = PythonScriptStep("a.py", arguments=["--in", d1.as_input()], source_directory="src")
        spec = json.loads(Pipeline(self.ws, [s2])._native().spec_json())
        self.assertEqual([s["name"] for s in spec["steps"]], ["a.py", "a.py_2"])
        self.assertEqual(Pipeline(self.ws, [s2]).validate(), [])
        self.assertEqual(s1.outputs, [d1])  # bare data in arguments is an output

    def test_step_name_with_surrounding_spaces_submits_publishes_and_is_found(self):
        # MLOpsPython's build_train_pipeline.py: PythonScriptStep(name="Evaluate Model ", ...).
        s = PythonScriptStep("a.py", name="Evaluate Model ", source_directory="src")
        self.assertEqual(s.name, "Evaluate Model ")  # the object keeps the name as given
        p = Pipeline(self.ws, [s])
        spec = json.loads(p._native().spec_json())
        self.assertEqual([x["name"] for x in spec["steps"]], ["Evaluate Model"])
        self.assertEqual(p.validate(), [])
        with redirect_stdout(io.StringIO()):
            run = Experiment(self.ws, "spaces").submit(p)
            self.assertEqual(run.wait_for_completion(show_output=False), "Finished")
        self.assertEqual(len(run.find_step_run("Evaluate Model ")), 1)
        self.assertEqual(len(run.find_step_run(" Evaluate Model")), 1)
        self.assertEqual(run.find_step_run("Evaluate Model")[0].name, "Evaluate Model")
        self.assertEqual(p.publish(name="spaces").name, "spaces")

    def test_model_register_refuses_a_folder_that_is_no_workspace(self):
        from azureml.core.model import Model
        import runnel.workspace
        f = self.write("m.txt", "weights")
        with self.assertRaisesRegex(FileNotFoundError, "is not a runnel workspace"):
            Model.register(runnel.workspace.Workspace(os.path.join(self.root, "nowhere")), f, "m")
        self.assertFalse(os.path.exists(os.path.join(self.root, "nowhere")))  # nothing made up
        self.assertEqual(Model.register(self.ws, f, "m").version, 1)

    def test_exception_classes_have_the_sdks_hierarchy(self):
        import azureml.exceptions as ex
        for n in ["ActivityFailedException", "WebserviceException", "WorkspaceException", "ProjectSystemException",
                  "ModelNotFoundException", "ExperimentExecutionException", "RunEnvironmentException",
                  "ServiceException", "SnapshotException", "ModelPathNotFoundException",
                  "DiscoveryUrlNotFoundException", "TrainingException", "ValidationException",
                  "UserErrorException", "ComputeTargetException", "AuthenticationException"]:
            cls = getattr(ex, n)
            self.assertTrue(issubclass(cls, ex.AzureMLException), n)
        self.assertTrue(issubclass(ex.AzureMLException, Exception))
        self.assertTrue(issubclass(ex.AuthenticationException, ex.UserErrorException))
        self.assertIs(ex.ComputeTargetException, ComputeTargetException)
        e = ex.WebserviceException("no service", status_code=404)
        self.assertEqual((e.message, e.status_code, str(e)), ("no service", 404, "no service"))
        self.assertEqual(str(ex.ActivityFailedException("x")), "Activity Failed:\nx")
        from runnel.secrets import UserErrorException
        self.assertIs(UserErrorException, ex.UserErrorException)  # what keyvault/steps raise

    def test_older_and_cloud_only_names_import(self):
        # Names notebooks import beside their pipeline cells: they import; the cloud-only ones
        # say so when used.
        from azureml.core import ScriptRun  # noqa: F401
        from azureml.core.compute import ComputeInstance, ComputeTarget
        from azureml.core.model import InferenceConfig, Model
        from azureml.core.resource_configuration import ResourceConfiguration
        from azureml.core.webservice import AciWebservice
        from azureml.data.azure_storage_datastore import AzureBlobDatastore
        from azureml.pipeline.core.graph import OutputPortBinding
        self.assertIsInstance(self.ws.get_default_datastore(), AzureBlobDatastore)
        with self.assertRaisesRegex(NotImplementedError, "deploy_configuration: deploying models"):
            AciWebservice.deploy_configuration(cpu_cores=1, memory_gb=1)
        with self.assertRaisesRegex(NotImplementedError, "InferenceConfig"):
            InferenceConfig(entry_script="score.py")
        with self.assertRaisesRegex(NotImplementedError, "Model.deploy"):
            Model.deploy(self.ws, "svc", [])
        self.assertEqual(ResourceConfiguration(cpu=1, memory_in_gb=0.5).serialize()["memoryInGB"], 0.5)
        ci = ComputeTarget.create(self.ws, "my-ci", ComputeInstance.provisioning_configuration(vm_size="STANDARD_D3_V2"))
        ci.wait_for_completion(show_output=False)
        self.assertIn("my-ci", self.ws.compute_targets)
        # OutputPortBinding is PipelineData under the ModuleStep keywords.
        d = OutputPortBinding("scored", datastore=self.ws.get_default_datastore(), bind_mode="mount",
                              is_directory=True)
        a = PythonScriptStep("a.py", name="a", arguments=["--out", d], outputs=[d], source_directory="src")
        b = PythonScriptStep("b.py", name="b", arguments=["--in", d], inputs=[d], source_directory="src")
        spec = json.loads(Pipeline(self.ws, [b])._native().spec_json())
        self.assertEqual([st["name"] for st in spec["steps"]], ["a", "b"])

    def test_pipeline_pulls_in_dependencies_and_flattens(self):
        d = PipelineData("d", datastore=self.ws.get_default_datastore())
        a = PythonScriptStep("a.py", name="a", arguments=["--out", d], outputs=[d], source_directory="src")
        b = PythonScriptStep("b.py", name="b", arguments=["--in", d.as_input()], inputs=[d.as_input()],
                             source_directory="src")
        c = PythonScriptStep("b.py", name="c", source_directory="src")
        c.run_after(b)
        p = Pipeline(workspace=self.ws, steps=[[c]])
        self.assertEqual([s.name for s in p._all_steps()], ["a", "b", "c"])
        self.assertEqual(p.graph.nodes, ["a", "b", "c"])
        self.assertIn(("a", "b"), p.graph.edges)
        self.assertEqual(p.validate(), [])
        # A long chain given by its last step: pulled in without hitting the recursion limit.
        prev = None
        for i in range(3 * sys.getrecursionlimit()):
            st = PythonScriptStep("b.py", name="s%d" % i, source_directory="src")
            if prev is not None:
                st.run_after(prev)
            prev = st
        names = [s.name for s in Pipeline(self.ws, [prev])._all_steps()]
        self.assertEqual(len(names), 3 * sys.getrecursionlimit())
        self.assertEqual((names[0], names[-1]), ("s0", prev.name))
        with self.assertRaises(TypeError):
            Pipeline(self.ws, steps=["a"])
        with self.assertRaises(ValueError):
            Pipeline(self.ws, steps=[])
        with self.assertRaises(TypeError):
            Pipeline(self.ws, steps=[a], unknown=1)
        with self.assertRaises(ValueError):
            p.publish()  # a published pipeline needs a name

    def test_placeholders_become_paths(self):
        ds = self.ws.get_default_datastore()
        self.write(os.path.join(ds.root, "raw", "x.txt"), "x")
        f = PipelineData("model", datastore=ds, is_directory=False)
        ref = DataReference(ds, data_reference_name="raw", path_on_datastore="raw")
        param = PipelineParameter(name="lr", default_value=0.5)
        dp = PipelineParameter(name="data", default_value=DataPath(ds, "raw"))
        s = PythonScriptStep("a.py", name="a", source_directory="src",
                             arguments=["--model", f, "--raw", ref, "--lr", param,
                                        "--dp", (dp, DataPathComputeBinding(mode="mount"))],
                             inputs=[ref, (dp, DataPathComputeBinding(mode="mount"))], outputs=[f])
        spec = json.loads(Pipeline(self.ws, [s])._native({"lr": 0.25}).spec_json())
        step = spec["steps"][0]
        self.assertIn("${{outputs.model}}", step["command"])
        self.assertIn("${{inputs.raw}}", step["command"])
        self.assertIn("${{inputs.data}}", step["command"])
        self.assertIn("--lr 0.25", step["command"])
        self.assertEqual([o["type"] for o in step["outputs"]], ["uri_file"])

    def test_unavailable_names(self):
        with self.assertRaises(LookupError):
            PublishedPipeline.get(self.ws, id="x")
        with self.assertRaises(NotImplementedError):
            AutoMLStep(name="x")
        with self.assertRaises(ValueError):  # DataTransferStep exists; it needs both ends
            DataTransferStep(name="x")

    def test_publish_keeps_parameters_and_data_path_parameters(self):
        self.write("src/a.py", "print(1)")
        lr = PipelineParameter(name="lr", default_value=0.5)
        s = PythonScriptStep("a.py", name="a", source_directory="src", arguments=["--lr", lr])
        pub = Pipeline(self.ws, [s]).publish(name="pub", version="2")
        got = PublishedPipeline.get(self.ws, pub.id)
        self.assertEqual((got.name, got.version, got.status), ("pub", "2", "Active"))
        self.assertEqual(got.parameters, {"lr": "0.5"})
        self.assertEqual(got.get_step_names(), ["a"])
        self.assertIn("/api/v1/pipelines/%s/runs" % pub.id, got.endpoint)
        self.assertEqual([p.id for p in PublishedPipeline.list(self.ws)], [pub.id])
        got.disable()
        self.assertEqual(PublishedPipeline.list(self.ws), [])
        ep = PipelineEndpoint.publish(self.ws, "ep", "d", got)
        self.assertEqual(PipelineEndpoint.get(self.ws, name="ep").id, ep.id)
        with self.assertRaises(LookupError):
            PipelineEndpoint.get(self.ws, name="nope")
        ds = self.ws.get_default_datastore()
        dp = PipelineParameter(name="data", default_value=DataPath(ds, "raw"))
        s2 = PythonScriptStep("a.py", name="b", source_directory="src",
                              arguments=["--dp", (dp, DataPathComputeBinding(mode="mount"))],
                              inputs=[(dp, DataPathComputeBinding(mode="mount"))])
        # A DataPath PipelineParameter stays a (data) parameter of the published pipeline; its
        # default must exist when publishing (it is read as the submitted pipeline reads it).
        with self.assertRaisesRegex(errors.NotFoundError, "path 'raw' does not exist on datastore"):
            Pipeline(self.ws, [s2]).publish(name="dp")
        self.write(os.path.join(ds.root, "raw", "r.txt"), "r")
        got = Pipeline(self.ws, [s2]).publish(name="dp")
        self.assertIn("data", got.parameters)

    def test_pipeline_data_keywords(self):
        d = PipelineData("d", output_name="out", output_mode="upload", is_directory=False)
        self.assertEqual((d.name, d.output_name, d.output_mode, d.is_directory), ("d", "out", "upload", False))
        self.assertEqual(d.as_dataset().name, "out")  # a PipelineOutputFileDataset (test_sdk_notebook_calls)
        self.assertEqual(d.as_input("x").name, "x")
        with self.assertRaises(ValueError):
            PipelineData("d", output_mode="stream")
        with self.assertRaises(TypeError):
            PipelineData("d", datastore="workspaceblobstore")
        with self.assertRaises(ValueError):
            PipelineParameter("p", None)
        with self.assertRaises(TypeError):
            OutputFileDatasetConfig("o", destination="nope")

    def test_step_sequence(self):
        a = PythonScriptStep("a.py", name="a", source_directory="src")
        b = PythonScriptStep("b.py", name="b", source_directory="src")
        spec = json.loads(Pipeline(self.ws, StepSequence(steps=[a, b]))._native().spec_json())
        self.assertEqual(spec["steps"][1]["run_after"], ["a"])

    def test_command_step(self):
        s = CommandStep(command="echo hi", name="echo", source_directory="src")
        spec = json.loads(Pipeline(self.ws, [s])._native().spec_json())
        self.assertEqual(spec["steps"][0]["command"], "echo hi")
        with self.assertRaises(ValueError):
            CommandStep()

    def test_unknown_pipeline_parameter(self):
        s = PythonScriptStep("a.py", name="a", source_directory="src", arguments=[PipelineParameter("p", 1)])
        with self.assertRaises(ValueError):
            Experiment(self.ws, "e").submit(Pipeline(self.ws, [s]), pipeline_parameters={"q": 2})
        with self.assertRaises(TypeError):
            Experiment(self.ws, "e").submit(Pipeline(self.ws, [s]), unknown=True)
        with self.assertRaises(TypeError):
            Experiment(self.ws, "e").submit("not a pipeline")
        with self.assertRaises(ValueError):
            Experiment(self.ws, "")


class RunTest(SdkTestBase):
    """Submits small pipelines: statuses, outputs, logs, metrics, reuse, failures."""

    def test_environment_conda_and_image_key_reuse_and_why_names_them(self):
        import subprocess
        self.write("src/show.py", "print('ran')\n")
        bin_ = os.environ.get("RUNNEL_BIN") or os.path.join(helpers.REPO, "build", "runnel")

        def submit(pip, image=None):
            rc = RunConfiguration()
            env = Environment.from_docker_image("dep-env", image) if image else Environment("dep-env")
            env.python.user_managed_dependencies = False
            env.python.conda_dependencies = CondaDependencies.create(pip_packages=pip)
            rc.environment = env
            s = PythonScriptStep("show.py", source_directory="src", runconfig=rc)
            with redirect_stdout(io.StringIO()):
                run = Experiment(self.ws, "env-exp").submit(Pipeline(self.ws, [s]))
                self.assertEqual(run.wait_for_completion(), "Finished")
            return run.find_step_run("show.py")[0]

        def why():
            p = subprocess.run([bin_, "-w", self.ws.path, "why", "latest", "show.py"],
                               capture_output=True, text=True)
            return p.stdout + p.stderr

        self.assertFalse(submit(["tensorflow==1.15.2"]).reused)
        self.assertTrue(submit(["tensorflow==1.15.2"]).reused)
        self.assertFalse(submit(["tensorflow==2.0"]).reused)  # the recorded conda file changed
        self.assertIn("conda file changed", why())
        self.assertFalse(submit(["tensorflow==2.0"], image="localhost/no-such-image:1").reused)
        self.assertIn("container image changed", why())
        self.assertTrue(submit(["tensorflow==2.0"], image="localhost/no-such-image:1").reused)

    def test_submit_wait_outputs_reuse(self):
        self.write("src/make.py", "import sys, os\nfrom azureml.core import Run\n"
                   "os.makedirs(sys.argv[2], exist_ok=True)\n"
                   "open(os.path.join(sys.argv[2], 'v.txt'), 'w').write('42')\n"
                   "Run.get_context().log('answer', 42)\nRun.get_context().parent.log('p', 1)\n"
                   "Run.get_context().tag('stage', 'prep')\nRun.get_context().add_properties({'origin': 'unit'})\n"
                   "print('made')\n")
        d = PipelineData("out", datastore=self.ws.get_default_datastore())
        s = PythonScriptStep("make.py", arguments=["--out", d], outputs=[d], source_directory="src")
        exp = Experiment(self.ws, "unit-exp")
        out = io.StringIO()
        with redirect_stdout(out):
            run = exp.submit(Pipeline(self.ws, [s]), tags={"k": "v"})
            self.assertEqual(run.wait_for_completion(show_output=True), "Finished")
        self.assertIn("PipelineRunId: %s" % run.id, out.getvalue())
        self.assertIn("StepRun(make.py) Status: Finished", out.getvalue())
        self.assertIn("Execution Summary", out.getvalue())
        self.assertEqual(run.get_status(), "Finished")
        self.assertEqual(run.get_tags(), {"k": "v"})
        step = run.find_step_run("make.py")[0]
        self.assertEqual(step.get_status(), "Finished")
        self.assertEqual(step.get_metrics(), {"answer": 42})
        self.assertEqual(run.get_metrics(), {"p": 1})
        # What the step set on itself, seen from the driver (StepRun.get_tags/get_properties).
        self.assertEqual(step.get_tags(), {"stage": "prep"})
        self.assertEqual(step.get_properties()["origin"], "unit")
        self.assertEqual(step.get_properties()["azureml.nodeid"], "make.py")
        self.assertIn("made", step.get_job_log())
        # Azure ML's names of the step's log, as notebooks download it.
        log_copy = step.download_file("azureml-logs/70_driver_log.txt", os.path.join(self.root, "driver.txt"))
        with open(log_copy) as f:
            self.assertIn("made", f.read())
        port = step.get_output_data("out")
        self.assertEqual(port.datastore_name, "workspaceblobstore")
        dest = port.download(os.path.join(self.root, "dl"))
        with open(os.path.join(dest, "v.txt")) as f:
            self.assertEqual(f.read(), "42")
        self.assertEqual(set(step.get_outputs()), {"out"})
        with self.assertRaises(errors.NotFoundError):
            step.get_output_data("nope")
        self.assertEqual([c.name for c in run.get_children()], ["make.py"])
        self.assertEqual(run.get_details()["status"], "Finished")
        self.assertIn("unit-exp", [e.name for e in Experiment.list(self.ws)])
        self.assertEqual([e.name for e in Experiment.list(self.ws, experiment_name="unit-exp")], ["unit-exp"])
        self.assertEqual([r.id for r in Run.list(exp, status="Finished")], [run.id])
        self.assertEqual(list(Run.list(exp, status="Failed")), [])
        from azureml.pipeline.core import PipelineRun
        self.assertEqual(PipelineRun.get_pipeline_runs(self.ws, "no-such-pipeline"), [])
        # Opening runs again from a notebook: Run(experiment, id), Run.get(ws, id).
        again = Run(exp, run.id)
        self.assertEqual((type(again).__name__, again.id, again.get_status()), ("PipelineRun", run.id, "Finished"))
        self.assertEqual(Run.get(self.ws, step.id).get_metrics(), {"answer": 42})
        with self.assertRaises(errors.NotFoundError):
            Run.get(self.ws, "no-such-run")
        # The same pipeline again: reused.
        with redirect_stdout(io.StringIO()):
            run2 = exp.submit(Pipeline(self.ws, [s]))
            run2.wait_for_completion(show_output=False)
        s2 = run2.get_steps()[0]
        self.assertTrue(s2.reused)
        self.assertEqual(s2.get_details()["properties"]["azureml.reusedrunid"], step.id)
        self.assertEqual(s2.get_metrics(), {"answer": 42})
        self.assertEqual(s2.get_tags(), {"stage": "prep"})  # the reused run's
        self.assertEqual([r.id for r in exp.get_runs()], [run2.id, run.id])
        self.assertIn("unit-exp", self.ws.experiments)
        with redirect_stdout(io.StringIO()):
            self.assertEqual(RunDetails(run2).show(), "Finished")
        with self.assertRaises(TypeError):
            RunDetails("run")
        # regenerate_outputs reruns.
        with redirect_stdout(io.StringIO()):
            run3 = exp.submit(Pipeline(self.ws, [s]), regenerate_outputs=True)
            run3.wait_for_completion(show_output=False)
        self.assertFalse(run3.get_steps()[0].reused)

    def test_step_side_number_child_run_environment_and_start_time(self):
        self.write("src/side.py",
                   "import json\nfrom azureml.core import Run\nrun = Run.get_context()\n"
                   "c = run.child_run(name='fold1')\nc.log('fold_acc', 0.5)\n"
                   "run.log_accuracy_table('at', {'schema_type': 'accuracy_table', 'data': {'x': [1]}})\n"
                   "env = run.get_environment()\n"
                   "run.log('side', json.dumps([run.number, c.name, c.get_metrics(), env.name, env.version,\n"
                   "    env.environment_variables, run.get_details()['startTimeUtc']]))\n")
        env = Environment("side-env")
        env.environment_variables = {"FOO": "bar"}
        env.python.user_managed_dependencies = True
        env.register(self.ws)
        rc = RunConfiguration()
        rc.environment = env
        got = []
        for _ in range(2):
            s = PythonScriptStep("side.py", source_directory="src", runconfig=rc, allow_reuse=False)
            with redirect_stdout(io.StringIO()):
                run = Experiment(self.ws, "side").submit(Pipeline(self.ws, [s]))
                self.assertEqual(run.wait_for_completion(show_output=False, raise_on_error=False), "Finished",
                                 run.get_steps()[0].get_job_log()[-800:])
            step = run.get_steps()[0]
            got.append(json.loads(step.get_metrics()["side"]))
            self.assertEqual(step.get_metrics()["fold_acc"], 0.5)  # the child's metric, in the step
            self.assertIn("at", step.get_metrics())
        self.assertEqual([g[0] for g in got], [1, 2])  # run.number: the run's ordinal in its experiment
        self.assertEqual(got[0][1:6], ["fold1", {"fold_acc": 0.5}, "side-env", "1", {"FOO": "bar"}])
        self.assertEqual(got[1][6][:4], run.get_details()["startTimeUtc"][:4])

    def test_experiment_archive_reactivate_mlflow_uri_and_set_experiment_name(self):
        from azureml.core.experiment import ViewType
        self.write("src/hi.py", "print('hi')\n")
        p = Pipeline(self.ws, [PythonScriptStep("hi.py", source_directory="src")])
        p._set_experiment_name("named")  # the SDK's hook: recorded, a no-op here
        self.assertEqual(p._experiment_name, "named")
        with redirect_stdout(io.StringIO()):
            for name in ("keep", "old"):
                Experiment(self.ws, name).submit(p).wait_for_completion(show_output=False)
        old = Experiment(self.ws, "old")
        self.assertIsNone(old.archived_time)
        old.archive()
        self.assertIsNotNone(Experiment(self.ws, "old").archived_time)
        self.assertEqual([e.name for e in Experiment.list(self.ws)], ["keep"])  # ActiveOnly by default
        self.assertEqual([e.name for e in Experiment.list(self.ws, view_type=ViewType.ARCHIVED_ONLY)], ["old"])
        self.assertEqual(sorted(e.name for e in Experiment.list(self.ws, view_type="All")), ["keep", "old"])
        self.assertNotIn("old", self.ws.experiments)
        self.assertEqual(len(list(old.get_runs())), 1)  # its runs are kept
        with self.assertRaises(ValueError):
            Experiment.list(self.ws, view_type="Nope")
        old.reactivate()
        self.assertEqual(sorted(e.name for e in Experiment.list(self.ws)), ["keep", "old"])
        with self.assertRaises(NotImplementedError):
            old.reactivate(new_name="renamed")
        uri = self.ws.get_mlflow_tracking_uri()
        self.assertTrue(uri.startswith("file://" + self.ws.path))
        import mlflow  # runnel's shim (no MLflow installed here) accepts it
        before = mlflow.get_tracking_uri()
        self.addCleanup(mlflow.set_tracking_uri, "" if before == "runnel://step" else before)
        mlflow.set_tracking_uri(uri)
        self.assertEqual(mlflow.get_tracking_uri(), uri)

    def test_an_unregistered_compute_target_runs_on_local(self):
        """compute_target='cpu-cluster', never created here (the notebook's cluster), runs on
        local: the step says where it ran."""
        self.write("src/hi.py", "print('hi')\n")
        s = PythonScriptStep("hi.py", source_directory="src", compute_target="cpu-cluster")
        run = Experiment(self.ws, "unregistered-compute").submit(Pipeline(self.ws, [s]))
        with redirect_stdout(io.StringIO()):
            self.assertEqual(run.wait_for_completion(show_output=False), "Finished")
        self.assertEqual(run.find_step_run("hi.py")[0].get_details()["target"], "local")

    def _steps_use_this_python_dir(self):
        # Steps import runnel from the engine's RUNNEL_PYTHON_DIR (compiled in: the source
        # tree the engine was built from); point it at this tree's python/.
        saved = os.environ.get("RUNNEL_PYTHON_DIR")
        os.environ["RUNNEL_PYTHON_DIR"] = helpers.PYTHON_DIR
        self.addCleanup(lambda: os.environ.__setitem__("RUNNEL_PYTHON_DIR", saved) if saved
                        else os.environ.pop("RUNNEL_PYTHON_DIR", None))

    def test_parent_metrics_and_tags_across_steps(self):
        self._steps_use_this_python_dir()
        seen = os.path.join(self.root, "seen.json")
        self.write("src/train.py", "from azureml.core import Run\nrun = Run.get_context()\n"
                   "run.parent.log('mse', 0.5)\nrun.parent.tag('BuildId', '42')\n"
                   "run.parent.set_tags({'stage': 'trained'})\n"
                   "run.parent.add_properties({'model': 'lr'})\n")
        self.write("src/evaluate.py", "import json, sys\nfrom azureml.core import Run\n"
                   "p = Run.get_context().parent\np.log('r2', 0.9)\n"
                   "json.dump({'metrics': p.get_metrics(), 'tags': p.get_tags(),\n"
                   "           'properties': p.get_properties()}, open(sys.argv[1], 'w'))\n")

        def submit(reuse_train):
            train = PythonScriptStep("train.py", source_directory="src", allow_reuse=reuse_train)
            ev = PythonScriptStep("evaluate.py", arguments=[seen], source_directory="src",
                                  allow_reuse=False)
            ev.run_after(train)
            with redirect_stdout(io.StringIO()):
                run = Experiment(self.ws, "parent-exp").submit(Pipeline(self.ws, [train, ev]),
                                                             tags={"source": "cli"})
                self.assertEqual(run.wait_for_completion(show_output=False), "Finished")
            with open(seen) as f:
                return run, json.load(f)

        want_tags = {"source": "cli", "BuildId": "42", "stage": "trained"}
        run, got = submit(True)
        self.assertEqual(got, {"metrics": {"mse": 0.5, "r2": 0.9}, "tags": want_tags,
                               "properties": {"model": "lr"}})
        self.assertEqual(run.get_metrics(), {"mse": 0.5, "r2": 0.9})
        # A reused step's parent lines count as those of the run it reused.
        run, got = submit(True)
        self.assertTrue(run.find_step_run("train.py")[0].reused)
        self.assertEqual(got["metrics"], {"mse": 0.5, "r2": 0.9})
        self.assertEqual(got["tags"], want_tags)

    def test_pipeline_run_get_tags_has_tags_steps_set_on_the_parent(self):
        self.write("src/tagger.py", "from azureml.core import Run\nrun = Run.get_context()\n"
                   "run.parent.tag('BuildId', '42')\nrun.parent.set_tags({'source': 'step'})\n"
                   "run.tag('own', 'x')\n")
        s = PythonScriptStep("tagger.py", source_directory="src")
        with redirect_stdout(io.StringIO()):
            run = Experiment(self.ws, "tag-exp").submit(Pipeline(self.ws, [s]),
                                                       tags={"source": "cli", "k": "v"})
            self.assertEqual(run.wait_for_completion(show_output=False), "Finished")
        want = {"source": "step", "k": "v", "BuildId": "42"}  # a step's tag wins, as it came later
        self.assertEqual(run.get_tags(), want)
        self.assertEqual(run.get_details()["tags"], want)
        self.assertEqual(run.find_step_run("tagger.py")[0].get_tags(), {"own": "x"})

    def test_failure_raises(self):
        self.write("src/fail.py", "import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n")
        s = PythonScriptStep("fail.py", source_directory="src")
        run = Experiment(self.ws, "fails").submit(Pipeline(self.ws, [s]))
        with redirect_stdout(io.StringIO()):
            with self.assertRaises(errors.RunnelError) as e:
                run.wait_for_completion(show_output=True)
        self.assertIn("fail.py", str(e.exception))
        self.assertIn("stderr.txt", str(e.exception))
        # The SDK's class (and still a RunnelError for older except clauses).
        from azureml.exceptions import ActivityFailedException, AzureMLException
        self.assertIsInstance(e.exception, ActivityFailedException)
        self.assertIsInstance(e.exception, AzureMLException)
        self.assertTrue(str(e.exception).startswith("Activity Failed:\n"))
        with redirect_stdout(io.StringIO()):
            with self.assertRaises(ActivityFailedException):
                run.find_step_run("fail.py")[0].wait_for_completion(show_output=False)
        self.assertEqual(run.wait_for_completion(show_output=False, raise_on_error=False), "Failed")
        with self.assertRaises(ValueError):
            run.wait_for_completion(timeout_seconds=0)

    def test_failed_run_error_details_have_the_sdks_shape_and_the_exception_line(self):
        self.write("src/boom.py", "print('working')\ndef f():\n    raise ValueError(\"bad input column 'age'\")\nf()\n")
        self.write("src/ok.py", "print('ok')\n")
        boom = PythonScriptStep("boom.py", name="boom", source_directory="src")
        ok = PythonScriptStep("ok.py", name="ok", source_directory="src")
        with redirect_stdout(io.StringIO()):
            run = Experiment(self.ws, "errors").submit(Pipeline(self.ws, [boom, ok]), continue_on_step_failure=True)
            with self.assertRaises(errors.RunnelError) as e:
                run.wait_for_completion(show_output=False)
        self.assertIn("ValueError: bad input column 'age'", str(e.exception))
        step = run.find_step_run("boom")[0]
        for details in (step.get_details(), step.get_details_with_logs(), run.get_details()):
            err = details["error"]
            self.assertEqual(set(err), {"error"})
            self.assertEqual(err["error"]["code"], "UserError")
            msg = err["error"]["message"]
            self.assertIn("step 'boom' failed (exit code 1)", msg)
            self.assertIn("ValueError: bad input column 'age'", msg)
            self.assertIn("stderr.txt", msg)
        self.assertIsNone(run.find_step_run("ok")[0].get_details()["error"])

    def test_timeout_and_cancel(self):
        self.write("src/slow.py", "import time\ntime.sleep(60)\n")
        s = PythonScriptStep("slow.py", source_directory="src", allow_reuse=False)
        run = Experiment(self.ws, "slow").submit(Pipeline(self.ws, [s]))
        self.assertEqual(run.wait_for_completion(show_output=False, timeout_seconds=1, raise_on_error=False),
                         "Running")
        run.cancel()
        self.assertEqual(run.wait_for_completion(show_output=False, raise_on_error=False), "Canceled")

    def test_ctrl_c_cancels_the_run(self):
        import signal
        import subprocess
        import time
        self.write("src/slow.py", "import time\ntime.sleep(120)\n")
        script = ("import sys\nsys.path.insert(0, %r)\n"
                  "from azureml.core import Workspace, Experiment\n"
                  "from azureml.pipeline.core import Pipeline\n"
                  "from azureml.pipeline.steps import PythonScriptStep\n"
                  "ws = Workspace.from_config()\n"
                  "s = PythonScriptStep('slow.py', source_directory='src', allow_reuse=False)\n"
                  "run = Experiment(ws, 'ctrlc').submit(Pipeline(ws, [s]))\n"
                  "print(run.id, flush=True)\n"
                  "run.wait_for_completion(show_output=False)\n") % helpers.PYTHON_DIR
        p = subprocess.Popen([sys.executable, "-c", script], cwd=self.ws.path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        run_id = p.stdout.readline().strip()
        deadline = time.monotonic() + 30
        while self.ws._native.get_pipeline_run_record(run_id)["status"] != "Running" and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        started = time.monotonic()
        p.send_signal(signal.SIGINT)
        _out, err = p.communicate(timeout=60)
        self.assertLess(time.monotonic() - started, 20)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("KeyboardInterrupt", err)
        self.assertEqual(self.ws._native.get_pipeline_run_record(run_id)["status"], "Canceled")

    def test_step_run_parent_cancel_stops_later_steps(self):
        # MLOpsPython's evaluate step: run.parent.cancel() when the new model is not better;
        # register must not run. The cancel reaches this SDK process as a SIGINT (runnel runs
        # cancel), so the pipeline is run by a child process.
        import subprocess
        ran = os.path.join(self.root, "register_ran")
        self.write("src/evaluate.py", "from azureml.core import Run\nrun = Run.get_context()\n"
                   "run.parent.log('mse', 0.5)\nrun.parent.cancel()\n")
        self.write("src/register.py", "open(%r, 'w').write('ran')\n" % ran)
        script = ("import json, sys\nsys.path.insert(0, %r)\n"
                  "from azureml.core import Workspace, Experiment\n"
                  "from azureml.pipeline.core import Pipeline\n"
                  "from azureml.pipeline.steps import PythonScriptStep\n"
                  "ws = Workspace.from_config()\n"
                  "ev = PythonScriptStep('evaluate.py', source_directory='src', allow_reuse=False)\n"
                  "reg = PythonScriptStep('register.py', source_directory='src', allow_reuse=False)\n"
                  "reg.run_after(ev)\n"
                  "run = Experiment(ws, 'cancel-exp').submit(Pipeline(ws, [ev, reg]))\n"
                  "status = run.wait_for_completion(show_output=False, raise_on_error=False)\n"
                  "print(json.dumps([status, {s.name: s.get_status() for s in run.get_steps()}]))\n"
                  ) % helpers.PYTHON_DIR
        env = dict(os.environ, RUNNEL_PYTHON_DIR=helpers.PYTHON_DIR,
                   RUNNEL_BIN=os.environ.get("RUNNEL_BIN") or os.path.join(helpers.REPO, "build", "runnel"))
        p = subprocess.run([sys.executable, "-c", script], cwd=self.ws.path, env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("KeyboardInterrupt", p.stderr)
        status, steps = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(status, "Canceled")
        self.assertEqual(steps["register.py"], "Canceled")
        self.assertFalse(os.path.exists(ran))

    def test_script_run_config(self):
        self.write("src/hello.py", "print('hello from src')\n")
        cfg = ScriptRunConfig(source_directory="src", script="hello.py", arguments=["x"])
        run = Experiment(self.ws, "src").submit(cfg)
        self.assertEqual(run.wait_for_completion(show_output=False)["status"], "Completed")
        with self.assertRaises(ValueError):
            ScriptRunConfig("src")

    def test_script_run_has_the_scripts_metrics_files_and_models(self):
        self.write("src/train.py", "import os\nfrom azureml.core import Run\nrun = Run.get_context()\n"
                   "run.log('acc', 0.9)\nos.makedirs('outputs', exist_ok=True)\n"
                   "open('outputs/model.pkl', 'w').write('m')\n")
        run = Experiment(self.ws, "src").submit(ScriptRunConfig(source_directory="src", script="train.py"))
        details = run.wait_for_completion(show_output=False)
        # The core Run's status and return value (the SDK's Run.wait_for_completion returns
        # the details), not a PipelineRun's "Finished".
        self.assertEqual((run.get_status(), details["status"], details["runId"]), ("Completed", "Completed", run.id))
        self.assertEqual(run.get_metrics(), {"acc": 0.9})
        self.assertIn("outputs/model.pkl", run.get_file_names())
        run.download_file("outputs/model.pkl", os.path.join(self.root, "m.pkl"))
        with open(os.path.join(self.root, "m.pkl")) as f:
            self.assertEqual(f.read(), "m")
        with redirect_stdout(io.StringIO()):
            model = run.register_model("m", model_path="outputs/model.pkl")
        self.assertEqual((model.name, model.version), ("m", 1))
        self.assertTrue(os.path.isfile(model.path))
        self.assertEqual(run.get_details()["runId"], run.id)


if __name__ == "__main__":
    unittest.main()

"""Unit tests of SDK calls the Azure ML v1 sample notebooks make that earlier work left out:
PipelineData.as_dataset() / OutputFileDatasetConfig.read_*_files() consumed as datasets,
TabularDataset.filter expressions, RunConfiguration.save/load, Environment files and
constructors, and Pipeline.load_yaml (the v1 pipeline YAML). Needs the native module.

Run: /usr/bin/python3 -m unittest discover -s tests/python -p 'test_sdk_notebook_calls.py'
"""

import io
import json
import os
import re
import unittest
from contextlib import redirect_stdout

import helpers  # noqa: F401  (puts python/ on sys.path)
from test_sdk import SdkTestBase

import runnel
from azureml.core import Dataset, Environment, Experiment, RunConfiguration
from azureml.core.conda_dependencies import CondaDependencies
from azureml.data import OutputFileDatasetConfig
from azureml.data.output_dataset_config import OutputTabularDatasetConfig
from azureml.exceptions import UserErrorException
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.core.pipeline_output_dataset import PipelineOutputFileDataset, PipelineOutputTabularDataset
from azureml.pipeline.steps import PythonScriptStep

errors = runnel.errors

# A step that prints what it received for each input named on its command line.
READER = """import json, sys
from azureml.core import Run
run = Run.get_context()
for name in sys.argv[1:]:
    d = run.input_datasets[name]
    kind = type(d).__name__
    if kind == 'TabularDataset':
        df = d.to_pandas_dataframe()
        print('%s Tabular %s %s' % (name, list(df.columns), df.to_dict('list')))
    elif kind == 'FileDataset':
        print('%s File %s' % (name, sorted(d.to_path())))
    else:
        print('%s path %s' % (name, d))
"""

WRITER = """import os, sys
out = sys.argv[1]
os.makedirs(os.path.join(out, 'sub'), exist_ok=True)
open(os.path.join(out, 'part1.csv'), 'w').write('a,b,c\\n1,x,2.5\\n2,y,3.5\\n')
open(os.path.join(out, 'sub', 'part2.csv'), 'w').write('a,b,c\\n3,z,4.5\\n')
open(os.path.join(out, 'notes.txt'), 'w').write('not a table')
"""


class _Runs(SdkTestBase):
    def setUp(self):
        super().setUp()
        self.write("src/write.py", WRITER)
        self.write("src/read.py", READER)

    def run_pipeline(self, steps, name="nb"):
        with redirect_stdout(io.StringIO()):
            run = Experiment(self.ws, name).submit(Pipeline(self.ws, steps))
            status = run.wait_for_completion(show_output=False, raise_on_error=False)
        return run, status

    def log_of(self, run, step):
        return run.find_step_run(step)[0].get_job_log()


class IntermediateDatasetTest(_Runs):
    def test_as_dataset_objects_follow_the_sdk(self):
        d = PipelineData("prepped", datastore=self.ws.get_default_datastore())
        f = d.as_dataset()
        self.assertIsInstance(f, PipelineOutputFileDataset)
        self.assertEqual((f.name, f.input_name), ("prepped", "prepped"))
        self.assertEqual(f.as_named_input("train").input_name, "train")
        self.assertEqual(f.input_name, "prepped")  # builders return copies
        t = f.parse_delimited_files()
        self.assertIsInstance(t, PipelineOutputTabularDataset)
        self.assertEqual(t._read["file_glob"], "**/*.csv")
        self.assertEqual(f.parse_delimited_files(separator="\t")._read["file_glob"], "**/*.tsv")
        self.assertEqual(f.parse_delimited_files(separator=";")._read["file_glob"], "")
        self.assertEqual(f.parse_delimited_files(file_extension=None)._read["file_glob"], "")
        self.assertEqual(f.parse_parquet_files()._read["file_glob"], "**/*.parquet")
        self.assertEqual(t.keep_columns(["a", "b"]).drop_columns("b")._read["keep_columns"], ["a", "b"])
        with self.assertRaises(ValueError):
            t.as_download()
        with self.assertRaises(ValueError):
            f.parse_delimited_files(separator="")
        with self.assertRaises(ValueError):
            t.keep_columns([])
        o = OutputFileDatasetConfig("cleaned")
        ot = o.read_delimited_files(path_glob="*.csv")
        self.assertIsInstance(ot, OutputTabularDatasetConfig)
        self.assertEqual((ot.name, ot.as_input("x").bind_mode), ("cleaned", "direct"))
        self.assertEqual(o.as_input("y").bind_mode, "mount")
        with self.assertRaises(ValueError):
            OutputTabularDatasetConfig()

    def test_consumer_gets_tabular_and_file_datasets_of_pipeline_data(self):
        d = PipelineData("prepped", datastore=self.ws.get_default_datastore())
        write = PythonScriptStep("write.py", name="write", arguments=[d], outputs=[d], source_directory="src")
        tab = d.as_dataset().parse_delimited_files().as_named_input("tab")
        files = d.as_dataset().as_direct().as_named_input("files")
        kept = d.as_dataset().parse_delimited_files().keep_columns(["a", "c"]).as_named_input("kept")
        path = d.as_input("plain")
        read = PythonScriptStep("read.py", name="read", arguments=["tab", "files", "kept", "plain"],
                                inputs=[tab, files, kept, path], source_directory="src")
        run, status = self.run_pipeline([read])
        self.assertEqual(status, "Finished", self.log_of(run, "read") if status != "Finished" else "")
        log = self.log_of(run, "read")
        # Only the .csv files, in every folder; columns typed as a dataset's are.
        self.assertIn("tab Tabular ['a', 'b', 'c'] {'a': [1, 2, 3], 'b': ['x', 'y', 'z'], 'c': [2.5, 3.5, 4.5]}", log)
        self.assertIn("files File ['/notes.txt', '/part1.csv', '/sub/part2.csv']", log)
        self.assertIn("kept Tabular ['a', 'c']", log)
        self.assertRegex(log, r"plain path /\S+/prepped")
        # Unchanged: reused. The read options are part of the consumer's fingerprint.
        run2, _ = self.run_pipeline([read])
        self.assertTrue(run2.find_step_run("read")[0].reused)
        other = PythonScriptStep("read.py", name="read", arguments=["tab"], source_directory="src",
                                 inputs=[d.as_dataset().parse_delimited_files(include_path=True).as_named_input("tab")])
        run3, status3 = self.run_pipeline([other])
        self.assertEqual(status3, "Finished")
        self.assertFalse(run3.find_step_run("read")[0].reused)
        self.assertIn("tab Tabular ['a', 'b', 'c', 'Path']", self.log_of(run3, "read"))

    def test_output_file_dataset_config_read_delimited_files_as_input(self):
        out = OutputFileDatasetConfig("cleaned")
        write = PythonScriptStep("write.py", name="write", arguments=[out], source_directory="src")
        read = PythonScriptStep("read.py", name="read", arguments=["cleaned"], source_directory="src",
                                inputs=[out.read_delimited_files(path_glob="**/*.csv").as_input("cleaned")])
        run, status = self.run_pipeline([write, read])
        self.assertEqual(status, "Finished")
        self.assertIn("cleaned Tabular ['a', 'b', 'c'] {'a': [1, 2, 3]", self.log_of(run, "read"))
        # As an output, read_delimited_files() + register_on_complete registers a tabular dataset.
        reg = OutputFileDatasetConfig("table").read_delimited_files(path_glob="*.csv").register_on_complete("nb_table")
        self.write("src2/write_one.py", "import os, sys\nos.makedirs(sys.argv[1], exist_ok=True)\n"
                   "open(os.path.join(sys.argv[1], 't.csv'), 'w').write('k,v\\n1,2\\n')\n")
        write2 = PythonScriptStep("write_one.py", name="write2", arguments=[reg], source_directory="src2")
        _run2, status2 = self.run_pipeline([write2])
        self.assertEqual(status2, "Finished")
        registered = Dataset.get_by_name(self.ws, "nb_table")
        self.assertEqual(type(registered).__name__, "TabularDataset")
        self.assertEqual(registered.to_pandas_dataframe().to_dict("list"), {"k": [1], "v": [2]})

    def test_as_dataset_register_in_outputs(self):
        d = PipelineData("prepped", datastore=self.ws.get_default_datastore())
        write = PythonScriptStep("write.py", name="write", arguments=[d], source_directory="src",
                                 outputs=[d.as_dataset().register("nb_files")])
        _run, status = self.run_pipeline([write])
        self.assertEqual(status, "Finished")
        self.assertEqual(sorted(Dataset.get_by_name(self.ws, "nb_files").to_path()),
                         ["/notes.txt", "/part1.csv", "/sub/part2.csv"])

    def test_no_matching_file_and_missing_pyarrow_fail_the_step_saying_why(self):
        d = PipelineData("prepped", datastore=self.ws.get_default_datastore())
        write = PythonScriptStep("write.py", name="write", arguments=[d], outputs=[d], source_directory="src")
        read = PythonScriptStep("read.py", name="read", arguments=["t"], source_directory="src",
                                inputs=[d.as_dataset().parse_delimited_files(file_extension=".tsv").as_named_input("t")])
        run, status = self.run_pipeline([write, read])
        self.assertEqual(status, "Failed")
        err = run.find_step_run("read")[0].get_details()["error"]["error"]["message"]  # the SDK's shape
        self.assertIn("input 't'", json.dumps(run.get_details()) + err)
        self.assertIn("as delimited files", json.dumps(run.get_details()) + err)
        try:
            import pyarrow  # noqa: F401
            have_parquet = True
        except ImportError:
            have_parquet = False
        if not have_parquet:
            self.write("src/pq.py", "open(__import__('sys').argv[1] + '/x.parquet', 'wb').write(b'PAR1')\n")
            p = PipelineData("pq", datastore=self.ws.get_default_datastore())
            wq = PythonScriptStep("pq.py", name="pq", arguments=[p], outputs=[p], source_directory="src")
            rq = PythonScriptStep("read.py", name="readpq", arguments=["q"], source_directory="src",
                                  inputs=[p.as_dataset().parse_parquet_files().as_named_input("q")])
            run2, status2 = self.run_pipeline([wq, rq])
            self.assertEqual(status2, "Failed")
            self.assertIn("needs pyarrow or fastparquet", self.log_of(run2, "readpq"))

    def test_bad_read_options_fail_at_build(self):
        d = PipelineData("prepped", datastore=self.ws.get_default_datastore())
        PythonScriptStep("write.py", name="write", arguments=[d], outputs=[d], source_directory="src")
        bad = d.as_dataset().parse_delimited_files(header="sometimes").as_named_input("t")
        read = PythonScriptStep("read.py", name="read", inputs=[bad], source_directory="src")
        with self.assertRaisesRegex(errors.InvalidArgumentError, "unknown header mode 'sometimes'"):
            self.run_pipeline([read])


# Twenty rows (a = 0..19) in two files, and a step printing the `a` values of each input named.
SPLIT_WRITER = """import os, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
open(os.path.join(out, 'one.csv'), 'w').write('a,b\\n' + ''.join('%d,r%d\\n' % (i, i) for i in range(12)))
open(os.path.join(out, 'two.csv'), 'w').write('a,b\\n' + ''.join('%d,r%d\\n' % (i, i) for i in range(12, 20)))
"""
SPLIT_READER = """import json, sys
from azureml.core import Run
for name in sys.argv[1:]:
    df = Run.get_context().input_datasets[name].to_pandas_dataframe()
    print('ROWS %s %s %s' % (name, json.dumps([int(v) for v in df['a']]), json.dumps(list(df.columns))))
"""


class OutputRandomSplitTest(_Runs):
    """random_split of a step output read as a table: split when the consumer reads it, with the
    split TabularDataset.random_split uses for a registered dataset."""

    def setUp(self):
        super().setUp()
        self.write("split/write.py", SPLIT_WRITER)
        self.write("split/read.py", SPLIT_READER)

    def rows(self, run, step):
        log = self.log_of(run, step)
        return {m.group(1): (json.loads(m.group(2)), json.loads(m.group(3)))
                for m in re.finditer(r"ROWS (\S+) (\[.*?\]) (\[.*?\])", log)}

    def registered_split(self, percentage, seed):
        """The `a` values of both parts of random_split on the same rows registered as a dataset."""
        store = self.ws.get_default_datastore()
        self.write(os.path.join(store.root, "same", "all.csv"),
                   "a,b\n" + "".join("%d,r%d\n" % (i, i) for i in range(20)))
        whole = Dataset.Tabular.from_delimited_files((store, "same/all.csv"))
        return [list(int(v) for v in p.to_pandas_dataframe()["a"]) for p in whole.random_split(percentage, seed)]

    def test_pipeline_data_parse_delimited_files_random_split(self):
        d = PipelineData("table", datastore=self.ws.get_default_datastore())
        write = PythonScriptStep("write.py", name="write", arguments=[d], outputs=[d], source_directory="split")
        train, test = d.as_dataset().parse_delimited_files().random_split(0.7, seed=11)
        self.assertIsInstance(train, PipelineOutputTabularDataset)
        read = PythonScriptStep("read.py", name="read", arguments=["train", "test", "narrow"], source_directory="split",
                                inputs=[train.as_named_input("train"), test.as_named_input("test"),
                                        train.keep_columns(["a"]).as_named_input("narrow")])
        run, status = self.run_pipeline([write, read])
        self.assertEqual(status, "Finished", self.log_of(run, "read"))
        rows = self.rows(run, "read")
        first, second = rows["train"][0], rows["test"][0]
        # The two parts partition the rows; about 70% in the first; as the registered split picks.
        self.assertEqual(sorted(first + second), list(range(20)))
        self.assertTrue(10 <= len(first) <= 17, first)
        self.assertEqual([first, second], self.registered_split(0.7, 11))
        self.assertEqual(rows["narrow"], (first, ["a"]))
        self.assertEqual(rows["train"][1], ["a", "b"])
        # Same seed: reused; another seed: another fingerprint and other rows.
        run2, _ = self.run_pipeline([read])
        self.assertTrue(run2.find_step_run("read")[0].reused)
        other_train, other_test = d.as_dataset().parse_delimited_files().random_split(0.7, seed=12)
        read3 = PythonScriptStep("read.py", name="read", arguments=["train", "test"], source_directory="split",
                                 inputs=[other_train.as_named_input("train"), other_test.as_named_input("test")])
        run3, status3 = self.run_pipeline([read3])
        self.assertEqual(status3, "Finished")
        self.assertFalse(run3.find_step_run("read")[0].reused)
        rows3 = self.rows(run3, "read")
        self.assertEqual(sorted(rows3["train"][0] + rows3["test"][0]), list(range(20)))
        self.assertEqual([rows3["train"][0], rows3["test"][0]], self.registered_split(0.7, 12))
        self.assertNotEqual(rows3["train"][0], first)

    def test_output_file_dataset_config_random_split_and_no_seed(self):
        out = OutputFileDatasetConfig("table")
        write = PythonScriptStep("write.py", name="write", arguments=[out], source_directory="split")
        # No seed: one is drawn for both parts, which still partition the rows, even when
        # two different steps read them; split again, the parts of the part partition it.
        a, b = out.read_delimited_files().random_split(0.5)
        self.assertIsInstance(a, OutputTabularDatasetConfig)
        b1, b2 = b.random_split(0.5, seed=3)
        read_a = PythonScriptStep("read.py", name="read_a", arguments=["a"], source_directory="split",
                                  inputs=[a.as_input("a")])
        read_b = PythonScriptStep("read.py", name="read_b", arguments=["b", "b1", "b2"], source_directory="split",
                                  inputs=[b.as_input("b"), b1.as_input("b1"), b2.as_input("b2")])
        run, status = self.run_pipeline([write, read_a, read_b])
        self.assertEqual(status, "Finished", self.log_of(run, "read_b"))
        rows_a, rows_b = self.rows(run, "read_a"), self.rows(run, "read_b")
        self.assertEqual(sorted(rows_a["a"][0] + rows_b["b"][0]), list(range(20)))
        self.assertTrue(rows_a["a"][0] and rows_b["b"][0])
        self.assertEqual(sorted(rows_b["b1"][0] + rows_b["b2"][0]), rows_b["b"][0])

    def test_bad_random_split_arguments(self):
        d = PipelineData("table", datastore=self.ws.get_default_datastore())
        t = d.as_dataset().parse_delimited_files()
        for bad in (0, 1, 1.5, -0.2, "0.5", True):
            with self.subTest(percentage=bad):
                with self.assertRaisesRegex(ValueError, "random_split: percentage must be a number strictly between 0 and 1"):
                    t.random_split(bad)
        for bad in (-1, 2 ** 32, 1.5, "7"):
            with self.subTest(seed=bad):
                with self.assertRaisesRegex(ValueError, "random_split: seed must be an int between 0 and 4294967295"):
                    t.random_split(0.5, seed=bad)
        with self.assertRaisesRegex(ValueError, "percentage must be"):
            OutputFileDatasetConfig("o").read_delimited_files().random_split(2)
        # Both parts given to one step under one name: refused, naming the step and the input.
        PythonScriptStep("write.py", name="write", arguments=[d], outputs=[d], source_directory="split")
        first, second = t.random_split(0.5, seed=1)
        read = PythonScriptStep("read.py", name="read", inputs=[first, second], source_directory="split")
        with self.assertRaisesRegex(errors.InvalidArgumentError,
                                    "step 'read': two inputs are named 'table' but read the data differently"):
            self.run_pipeline([read])


PRODUCER = """import os, sys
out = sys.argv[1]
os.makedirs(os.path.join(out, 'sub'), exist_ok=True)
open(os.path.join(out, 'data.txt'), 'w').write('original')
open(os.path.join(out, 'sub', 'x.txt'), 'w').write('x')
"""
# Changes every kind of thing in its input: a file rewritten, one added, one removed.
MUTATOR = """import os, sys
p = sys.argv[1]
print('GOT', p)
open(os.path.join(p, 'data.txt'), 'w').write('changed by the consumer')
open(os.path.join(p, 'new.txt'), 'w').write('added')
os.remove(os.path.join(p, 'sub', 'x.txt'))
print('SEES', open(os.path.join(p, 'data.txt')).read())
"""


class DownloadedOutputTest(_Runs):
    """A step output consumed in download mode is the consumer's own copy."""

    def setUp(self):
        super().setUp()
        self.write("dl/produce.py", PRODUCER)
        self.write("dl/mutate.py", MUTATOR)

    def files_of(self, path):
        out = {}
        for folder, _dirs, files in os.walk(path):
            for f in files:
                full = os.path.join(folder, f)
                with open(full) as fh:
                    out[os.path.relpath(full, path)] = fh.read()
        return out

    def check(self, make_output, as_download):
        out = make_output()
        produce = PythonScriptStep("produce.py", name="produce", arguments=[out], outputs=[out], source_directory="dl")
        view = as_download(out)
        mutate = PythonScriptStep("mutate.py", name="mutate", arguments=[view], inputs=[view], source_directory="dl")
        run, status = self.run_pipeline([produce, mutate])
        self.assertEqual(status, "Finished", self.log_of(run, "mutate"))
        committed = run.find_step_run("produce")[0].get_output_data(out.name).path
        log = self.log_of(run, "mutate")
        got = re.search(r"GOT (\S+)", log).group(1)
        self.assertNotEqual(os.path.realpath(got), os.path.realpath(committed))
        self.assertIn("SEES changed by the consumer", log)
        # The producer's committed output is as it wrote it.
        self.assertEqual(self.files_of(committed), {"data.txt": "original", os.path.join("sub", "x.txt"): "x"})
        # Unchanged output, same consumer: both reused.
        run2, status2 = self.run_pipeline([produce, mutate])
        self.assertEqual(status2, "Finished")
        self.assertTrue(run2.find_step_run("produce")[0].reused)
        self.assertTrue(run2.find_step_run("mutate")[0].reused)

    def test_pipeline_data_as_download(self):
        self.check(lambda: PipelineData("out", datastore=self.ws.get_default_datastore()),
                   lambda d: d.as_download("out_copy"))

    def test_pipeline_data_as_dataset_as_download(self):
        self.check(lambda: PipelineData("out", datastore=self.ws.get_default_datastore()),
                   lambda d: d.as_dataset().as_download())

    def test_output_file_dataset_config_as_input_as_download(self):
        self.check(lambda: OutputFileDatasetConfig("out"), lambda o: o.as_input("out_copy").as_download())

    def test_download_is_not_for_a_dataset_read(self):
        view = OutputFileDatasetConfig("out").read_delimited_files().as_input("t")
        with self.assertRaisesRegex(ValueError, "input 't' is read as a dataset object"):
            view.as_download()


class FilterTest(SdkTestBase):
    def setUp(self):
        super().setUp()
        ds = self.ws.get_default_datastore()
        self.write(os.path.join(ds.root, "people.csv"),
                   "name,age,city\nann,34,Oslo\nbob,17,Bergen\ncid,,Oslo\ntest_dan,50,Rome\n")
        self.td = Dataset.Tabular.from_delimited_files((ds, "people.csv"))

    def names(self, dataset):
        return list(dataset.to_pandas_dataframe()["name"])

    def test_comparisons_and_logic(self):
        td = self.td
        self.assertEqual(self.names(td.filter(td["age"] > 18)), ["ann", "test_dan"])  # null compares false
        self.assertEqual(self.names(td.filter(td["city"] == "Oslo")), ["ann", "cid"])
        self.assertEqual(self.names(td.filter((td["age"] >= 17) & (td["city"] != "Rome"))), ["ann", "bob"])
        self.assertEqual(self.names(td.filter((td["city"] == "Rome") | (td["age"] < 18))), ["bob", "test_dan"])
        self.assertEqual(self.names(td.filter(~td["name"].starts_with("test_"))), ["ann", "bob", "cid"])
        self.assertEqual(self.names(td.filter(td["city"].ends_with("en"))), ["bob"])
        self.assertEqual(self.names(td.filter(td["name"].contains("a"))), ["ann", "test_dan"])
        self.assertEqual(self.names(td.filter(td["age"].is_null())), ["cid"])
        self.assertEqual(self.names(td.filter(td["age"] * 2 > td["age"] + 30)), ["ann", "test_dan"])
        # Chained with the other transformations, and handed to a step by content.
        adults = td.filter(td["age"] > 18).keep_columns(["name", "age"]).take(1)
        self.assertEqual(adults.to_pandas_dataframe().to_dict("list"), {"name": ["ann"], "age": [34]})

    def test_bad_expressions(self):
        td = self.td
        with self.assertRaisesRegex(KeyError, "no column 'height'"):
            td["height"]
        with self.assertRaisesRegex(TypeError, "no truth value"):
            td.filter(td["age"] > 1 and td["age"] < 3)
        with self.assertRaisesRegex(TypeError, "built from the dataset's columns"):
            td.filter("age > 3")
        with self.assertRaises(TypeError):
            td["name"].starts_with(3)
        with self.assertRaises(TypeError):
            td.filter(td["age"] > [1])


class ConfigFilesTest(SdkTestBase):
    def test_runconfig_save_load_round_trip_keeps_packages(self):
        rc = RunConfiguration()
        rc.environment.python.conda_dependencies = CondaDependencies.create(
            pip_packages=["scikit-learn==1.2.2", "azureml-defaults"], conda_packages=["numpy"], python_version="3.9")
        rc.environment.environment_variables = {"OMP_NUM_THREADS": "1"}
        rc.environment.docker.base_image = "mcr.microsoft.com/azureml/base:latest"
        rc.target = "cpu-cluster"
        rc.node_count = 2
        rc.script = "train.py"
        rc.arguments = ["--lr", "0.1"]
        project = os.path.join(self.root, "project")
        os.makedirs(project)
        rc.save(path=project, name="train")
        self.assertTrue(os.path.isfile(os.path.join(project, ".azureml", "train.runconfig")))
        self.assertTrue(os.path.isfile(os.path.join(project, ".azureml", "conda_dependencies.yml")))
        for loaded in (RunConfiguration.load(project, "train"),
                       RunConfiguration.load(os.path.join(project, ".azureml", "train.runconfig"))):
            cd = loaded.environment.python.conda_dependencies
            self.assertEqual(list(cd.pip_packages), ["scikit-learn==1.2.2", "azureml-defaults"])
            self.assertEqual(list(cd.conda_packages), ["python=3.9", "numpy"])
            self.assertEqual((loaded.target, loaded.node_count, loaded.script, loaded.arguments),
                             ("cpu-cluster", 2, "train.py", ["--lr", "0.1"]))
            self.assertEqual(loaded.environment.environment_variables, {"OMP_NUM_THREADS": "1"})
            self.assertEqual(loaded.environment.docker.base_image, "mcr.microsoft.com/azureml/base:latest")
        # To a file path, with the environment in its own YAML file.
        target = os.path.join(self.root, "cfg", "my.runconfig")
        os.makedirs(os.path.dirname(target))
        rc.save(path=target, separate_environment_yaml=True)
        self.assertTrue(os.path.isfile(os.path.join(self.root, "cfg", "environment.yml")))
        again = RunConfiguration.load(target)
        self.assertEqual(list(again.environment.python.conda_dependencies.pip_packages),
                         ["scikit-learn==1.2.2", "azureml-defaults"])

    def test_runconfig_bad_paths(self):
        with self.assertRaisesRegex(UserErrorException, "name is required"):
            RunConfiguration().save(path=self.root)
        with self.assertRaisesRegex(UserErrorException, "invalid"):
            RunConfiguration().save(path=os.path.join(self.root, "no", "such", "x.runconfig"))
        with self.assertRaisesRegex(UserErrorException, "Failed to load RunConfiguration"):
            RunConfiguration.load(self.root, "missing")

    def test_environment_directory_round_trip(self):
        env = Environment.from_pip_requirements("pipenv", self.write("req.txt", "pandas==1.5\n# c\nrequests\n"))
        env.environment_variables = {"A": "1"}
        folder = os.path.join(self.root, "envdir")
        env.save_to_directory(folder)
        self.assertEqual(sorted(os.listdir(folder)), ["azureml_environment.json", "conda_dependencies.yml"])
        with self.assertRaisesRegex(UserErrorException, "overwrite=True"):
            env.save_to_directory(folder)
        env.save_to_directory(folder, overwrite=True)
        back = Environment.load_from_directory(folder)
        self.assertEqual((back.name, back.environment_variables), ("pipenv", {"A": "1"}))
        self.assertEqual(list(back.python.conda_dependencies.pip_packages), ["pandas==1.5", "requests"])
        with self.assertRaisesRegex(UserErrorException, "has no azureml_environment.json"):
            Environment.load_from_directory(self.root)

    def test_docker_and_conda_constructors(self):
        dockerfile = self.write("Dockerfile", "FROM ubuntu:22.04\nRUN apt-get update\n")
        env = Environment.from_dockerfile("df", dockerfile, pip_requirements=self.write("r.txt", "numpy\n"))
        self.assertEqual(env.docker.base_dockerfile, "FROM ubuntu:22.04\nRUN apt-get update\n")
        self.assertIsNone(env.docker.base_image)
        self.assertEqual(list(env.python.conda_dependencies.pip_packages), ["numpy"])
        self.assertTrue(Environment.from_dockerfile("t", "FROM x\nRUN y").python.user_managed_dependencies)
        with self.assertRaises(FileNotFoundError):
            Environment.from_dockerfile("t", "no-such-dockerfile")
        folder = os.path.join(self.root, "df")
        env.save_to_directory(folder)
        self.assertIn("Dockerfile", os.listdir(folder))
        self.assertEqual(Environment.load_from_directory(folder).docker.base_dockerfile, env.docker.base_dockerfile)
        from azureml.core.container_registry import ContainerRegistry
        reg = ContainerRegistry("myacr.azurecr.io", "u", "p")
        img = Environment.from_docker_image("img", "myacr.azurecr.io/base:1", container_registry=reg,
                                            conda_specification=self.write(
                                                "env.yml", "name: e\ndependencies:\n- python=3.10\n- pip:\n  - torch\n"))
        self.assertEqual((img.docker.base_image, img.docker.base_image_registry.address),
                         ("myacr.azurecr.io/base:1", "myacr.azurecr.io"))
        self.assertEqual(list(img.python.conda_dependencies.pip_packages), ["torch"])
        with self.assertRaises(ValueError):
            Environment.from_docker_image("img", "")
        existing = Environment.from_existing_conda_environment("fromconda", "base")
        self.assertEqual(existing.name, "fromconda")
        import shutil
        if shutil.which("conda") is None:
            self.write("src/a.py", "print(1)\n")
            rc = RunConfiguration()
            rc.environment = existing
            step = PythonScriptStep("a.py", source_directory="src", runconfig=rc)
            with self.assertRaisesRegex(UserErrorException, "conda is not on PATH"):
                with redirect_stdout(io.StringIO()):
                    Experiment(self.ws, "c").submit(Pipeline(self.ws, [step]))


V1_YAML = """pipeline:
  name: SamplePipelineFromYaml
  parameters:
    Scale:
      type: int
      default: 3
    RawPath:
      type: datapath
      default:
        datastore: workspaceblobstore
        path_on_datastore: raw/numbers.txt
  data_references:
    RawFolder:
      datastore: workspaceblobstore
      path_on_datastore: raw
  steps:
    Prep:
      type: PythonScriptStep
      name: prep
      script_name: prep.py
      source_directory: steps
      allow_reuse: true
      arguments: [--raw, input:raw_in, --file, input:raw_file, --scale, parameter:Scale, --out, output:scaled]
      inputs:
        raw_in: {source: RawFolder, bind_mode: mount}
        raw_file: {source: RawPath, bind_mode: download}
      outputs:
        scaled: {destination: ScaledData, datastore: workspaceblobstore, bind_mode: mount}
    Sum:
      type: PythonScriptStep
      script_name: total.py
      source_directory: steps
      arguments: [--data, input:scaled_in]
      inputs:
        scaled_in: {source: ScaledData}
"""


class LoadYamlTest(_Runs):
    def setUp(self):
        super().setUp()
        ds = self.ws.get_default_datastore()
        self.write(os.path.join(ds.root, "raw", "numbers.txt"), "1 2 3\n")
        self.write("yaml/steps/prep.py", "import argparse, os\nfrom azureml.core import Run\n"
                   "p = argparse.ArgumentParser()\nfor a in ('--raw', '--file', '--scale', '--out'): p.add_argument(a)\n"
                   "a = p.parse_args()\nnums = [int(x) * int(a.scale) for x in open(a.file).read().split()]\n"
                   "os.makedirs(a.out, exist_ok=True)\nopen(os.path.join(a.out, 'n.txt'), 'w').write(' '.join(map(str, nums)))\n"
                   "print('raw folder has', sorted(os.listdir(a.raw)))\n")
        self.write("yaml/steps/total.py", "import argparse, os\nfrom azureml.core import Run\n"
                   "p = argparse.ArgumentParser()\np.add_argument('--data')\na = p.parse_args()\n"
                   "Run.get_context().log('total', sum(int(x) for x in open(os.path.join(a.data, 'n.txt')).read().split()))\n")
        self.yaml = self.write("yaml/pipeline.yml", V1_YAML)

    def test_load_yaml_builds_and_runs_the_pipeline(self):
        pipeline = Pipeline.load_yaml(self.ws, self.yaml)
        self.assertEqual(pipeline.description, "SamplePipelineFromYaml")
        self.assertEqual(sorted(s.name for s in pipeline._steps), ["Sum", "prep"])
        with redirect_stdout(io.StringIO()):
            run = Experiment(self.ws, "from-yaml").submit(pipeline, pipeline_parameters={"Scale": 10})
            self.assertEqual(run.wait_for_completion(show_output=False, raise_on_error=False), "Finished")
        self.assertEqual(run.find_step_run("Sum")[0].get_metrics(), {"total": 60})
        self.assertIn("raw folder has ['numbers.txt']", self.log_of(run, "prep"))

    def test_load_yaml_errors_name_the_file_and_key(self):
        cases = [
            ("jobs: {a: {}}\n", "pipeline: the SDK v1 pipeline YAML has a top-level 'pipeline' key .*runnel run"),
            ("pipeline:\n  steps: {}\n", "pipeline.steps: a pipeline needs at least one step"),
            ("pipeline:\n  stepz: {}\n", "pipeline: unknown key stepz"),
            ("pipeline:\n  steps:\n    A: {type: AutoMLStep}\n", "pipeline.steps.A.type: step .A.: AutoMLStep steps"),
            ("pipeline:\n  steps:\n    A: {script_name: a.py, inputs: {x: {source: Nope}}}\n",
             "pipeline.steps.A.inputs.x.source: 'Nope' is not a data reference"),
            ("pipeline:\n  steps:\n    A: {script_name: a.py, arguments: ['input:x']}\n", "pipeline.steps.A.arguments: 'input:x': no input 'x'"),
            ("pipeline:\n  parameters: {P: {type: int, default: abc}}\n  steps: {A: {script_name: a.py}}\n",
             "pipeline.parameters.P.default: 'abc' is not a int"),
        ]
        for text, pattern in cases:
            path = self.write("yaml/bad.yml", text)
            with self.subTest(text=text):
                with self.assertRaisesRegex(ValueError, "bad.yml: " + pattern):
                    Pipeline.load_yaml(self.ws, path)
        with self.assertRaises(FileNotFoundError):
            Pipeline.load_yaml(self.ws, os.path.join(self.root, "missing.yml"))


def _show_step(key, source):
    """The YAML of a PythonScriptStep `key` printing each file of `source` (SHOW)."""
    return ("    %s:\n      type: PythonScriptStep\n      script_name: show.py\n      source_directory: steps\n"
            "      arguments: [--data, input:data]\n      inputs: {data: {source: %s}}\n" % (key, source))


COPY_YAML = """pipeline:
  description: CopyThenRead
  data_references:
    RawFolder:
      datastore: workspaceblobstore
      path_on_datastore: raw
    Backup:
      datastore: workspaceblobstore
      path_on_datastore: backup/raw
    Numbers: {datastore: workspaceblobstore, path_on_datastore: raw/numbers.txt}
    NumbersCopy: {datastore: workspaceblobstore, path_on_datastore: copies/n.txt}
  steps:
    OneFile:
      type: DataTransferStep
      source_data_reference: {n: {source: Numbers}}
      destination_data_reference: {n_copy: {source: NumbersCopy}}
      source_reference_type: file
      destination_reference_type: file
    Copy:
      type: DataTransferStep
      name: copy
      source_data_reference:
        raw_copy: {source: RawFolder}
      destination_data_reference:
        copied: {source: CopiedData}
      source_reference_type: directory
      destination_reference_type: directory
    Archive:
      type: DataTransferStep
      source_data_reference:
        from_copy: {source: CopiedData}
      destination_data_reference:
        to_backup: {source: Backup}
      source_reference_type: directory
""" + _show_step("Read", "CopiedData")

SHOW = """import argparse, os
p = argparse.ArgumentParser()
p.add_argument('--data')
a = p.parse_args()
for folder, _dirs, files in sorted(os.walk(a.data)):
    for f in sorted(files):
        full = os.path.join(folder, f)
        print('FILE %s %s' % (os.path.relpath(full, a.data), open(full).read().strip()))
"""


PRS_YAML = """pipeline:
  description: BatchScore
  data_references:
    Images: {dataset_name: images}
    Labels: {datastore: workspaceblobstore, path_on_datastore: raw}
  steps:
    Score:
      type: ParallelRunStep
      name: score
      parallel_run_config: score.yml
      allow_reuse: true
      inputs:
        images: {source: Images}
      side_inputs:
        labels: {source: Labels}
      outputs:
        scores: {destination: Scores}
      arguments: [--labels, side_input:labels]
"""

# Each file: its name, its length and the side input's numbers.txt.
PRS_SCORE = """import argparse, os
def init():
    global labels
    p = argparse.ArgumentParser()
    p.add_argument('--labels')
    a, _ = p.parse_known_args()
    labels = open(os.path.join(a.labels, 'numbers.txt')).read().strip()

def run(mini_batch):
    return ['%s,%d,%s' % (os.path.basename(f), len(open(f).read()), labels) for f in mini_batch]
"""


MODULE_YAML = """pipeline:
  description: ModulePipeline
  parameters: {Factor: {type: int, default: 5}}
  data_references: {RawFolder: {datastore: workspaceblobstore, path_on_datastore: raw}}
  steps:
    Scale:
      type: ModuleStep
      name: scaler
      version: VERSION
      inputs: {in_port: {source: RawFolder}}
      outputs: {out_port: {destination: Scaled}}
      parameters: {factor: {source: Factor}}
      arguments: [--data, input:in_port, --out, output:out_port, --factor, parameter:factor]
""" + _show_step("Show", "Scaled")

# A module's script: the numbers of numbers.txt times --factor.
SCALE_MODULE = """import argparse, os
p = argparse.ArgumentParser()
for a in ('--data', '--out', '--factor'):
    p.add_argument(a)
a = p.parse_args()
factor = int(a.factor)
nums = [int(x) * factor for x in open(os.path.join(a.data, 'numbers.txt')).read().split()]
os.makedirs(a.out, exist_ok=True)
open(os.path.join(a.out, 'n.txt'), 'w').write(' '.join(map(str, nums)))
"""


def _text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class LoadYamlStepTypesTest(_Runs):
    """The DataTransferStep, ParallelRunStep and ModuleStep step types of the v1 pipeline YAML,
    built from a file and run."""

    def setUp(self):
        super().setUp()
        self.store = self.ws.get_default_datastore()
        self.write(os.path.join(self.store.root, "raw", "numbers.txt"), "1 2 3\n")

    def submit(self, pipeline, name="yaml-steps"):
        with redirect_stdout(io.StringIO()):
            run = Experiment(self.ws, name).submit(pipeline)
            status = run.wait_for_completion(show_output=False, raise_on_error=False)
        self.assertEqual(status, "Finished", [s.get_job_log() for s in run.get_steps()])
        return run

    def test_data_transfer_step_copies_a_data_reference_folder_to_a_new_output(self):
        store = self.store
        self.write(os.path.join(store.root, "raw", "sub", "more.txt"), "4 5\n")
        self.write("yaml/steps/show.py", SHOW)
        path = self.write("yaml/copy.yml", COPY_YAML)
        pipeline = Pipeline.load_yaml(self.ws, path)
        self.assertEqual(pipeline.description, "CopyThenRead")
        self.assertEqual(sorted(s.name for s in pipeline._steps), ["Archive", "OneFile", "Read", "copy"])
        run = self.submit(pipeline)
        log = self.log_of(run, "Read")
        self.assertIn("FILE numbers.txt 1 2 3", log)
        self.assertIn("FILE %s 4 5" % os.path.join("sub", "more.txt"), log)
        copied = run.find_step_run("copy")[0].get_output_data("CopiedData").path
        self.assertEqual(_text(os.path.join(copied, "sub", "more.txt")), "4 5\n")
        # The second copy wrote into the Backup data reference, in place on the datastore.
        backup = os.path.join(store.root, "backup", "raw")
        self.assertEqual(_text(os.path.join(backup, "numbers.txt")), "1 2 3\n")
        self.assertEqual(_text(os.path.join(backup, "sub", "more.txt")), "4 5\n")
        # One file, to a file path of a data reference.
        self.assertEqual(os.listdir(os.path.join(store.root, "copies")), ["n.txt"])
        self.assertEqual(_text(os.path.join(store.root, "copies", "n.txt")), "1 2 3\n")


    def test_parallel_run_step_from_a_saved_parallel_run_config(self):
        from azureml.pipeline.steps import ParallelRunConfig
        for i in range(5):
            self.write(os.path.join(self.store.root, "images", "img%d.txt" % i), "x" * (i + 1))
        Dataset.File.from_files([(self.store, "images/")]).register(self.ws, "images")
        self.write("yaml/scripts/score.py", PRS_SCORE)
        prc = ParallelRunConfig(environment=Environment("batch-env"), entry_script="score.py",
                                source_directory="scripts", mini_batch_size="2", error_threshold=3,
                                output_action="append_row", append_row_file_name="scores.csv",
                                compute_target="local", node_count=1, process_count_per_node=2)
        config = os.path.join(self.ws.path, "yaml", "score.yml")
        prc.save_to_yaml(config)
        back = ParallelRunConfig.load_yaml(self.ws, config)
        self.assertEqual((back.entry_script, back.mini_batch_size, back.error_threshold, back.output_action,
                          back.process_count_per_node, back.node_count, back.environment.name,
                          back.append_row_file_name),
                         ("score.py", "2", 3, "append_row", 2, 1, "batch-env", "scores.csv"))
        # Relative paths in the file are taken from the current folder, as the SDK takes them.
        self.assertEqual(back.source_directory, os.path.join(os.getcwd(), "scripts"))
        path = self.write("yaml/prs.yml", PRS_YAML)
        pipeline = Pipeline.load_yaml(self.ws, path)
        run = self.submit(pipeline)
        step = run.find_step_run("score")[0]
        rows = sorted(_text(os.path.join(step.get_output_data("Scores").path, "scores.csv")).splitlines())
        self.assertEqual(rows, ["img%d.txt,%d,1 2 3" % (i, i + 1) for i in range(5)])
        self.assertEqual(sorted(k.items for k in step.get_children()), [1, 2, 2])


    def test_module_step_runs_the_registered_module_version(self):
        from azureml.pipeline.core.module import InputPortDef, Module, OutputPortDef
        module = Module.create(self.ws, "scaler", description="scales numbers")
        for version, body in (("1", SCALE_MODULE), ("2", SCALE_MODULE.replace("* factor", "* factor + 1000"))):
            self.write("mod%s/scale.py" % version, body)
            module.publish_python_script("scale.py", "v" + version, inputs=[InputPortDef("in_port")],
                                         outputs=[OutputPortDef("out_port")], params={"factor": "2"},
                                         version=version, is_default=version == "2",
                                         source_directory=os.path.join(self.ws.path, "mod" + version))
        self.write("yaml/steps/show.py", SHOW)
        results = {}
        # The older form: no type, the module named in a `module:` section.
        older = MODULE_YAML.replace("      type: ModuleStep\n      name: scaler\n      version: VERSION\n",
                                    '      module: {name: scaler, version: "1"}\n')
        for version_line, text in (('      version: "1"\n', None), ("", None), ("module:", older)):
            text = text or MODULE_YAML.replace("      version: VERSION\n", version_line)
            path = self.write("yaml/module.yml", text)
            run = self.submit(Pipeline.load_yaml(self.ws, path))
            results[version_line] = re.findall(r"FILE (.*)", self.log_of(run, "Show"))
        # Version 1 as named; without a version, the default one (2); Factor at its default 5.
        self.assertEqual(results['      version: "1"\n'], ["n.txt 5 10 15"])
        self.assertEqual(results[""], ["n.txt 1005 1010 1015"])
        self.assertEqual(results["module:"], ["n.txt 5 10 15"])


    def test_parallel_run_step_over_a_tabular_dataset_with_a_model_and_an_sdk_style_config(self):
        from azureml.core import Model
        self.write(os.path.join(self.store.root, "tab", "t.csv"), "a,b\n" + "".join("%d,%d\n" % (i, i * i) for i in range(7)))
        Dataset.Tabular.from_delimited_files((self.store, "tab/t.csv")).register(self.ws, "table")
        with redirect_stdout(io.StringIO()):
            model = Model.register(self.ws, self.write("model.txt", "K=3"), "mymodel")
        self.write("yaml/scripts/tscore.py", "from azureml.core.model import Model\ndef init():\n    global k\n"
                   "    k = open(Model.get_model_path('mymodel')).read()\ndef run(df):\n"
                   "    return ['%d,%d,%s' % (r.a, r.b, k) for r in df.itertuples()]\n")
        # As the SDK writes it: mini_batch_size in bytes, the environment in a file of its own
        # (relative paths from the YAML's folder), the name of an AmlCompute.
        from azureml.core.compute import AmlCompute, ComputeTarget
        with redirect_stdout(io.StringIO()):
            ComputeTarget.create(self.ws, "cpu-cluster", AmlCompute.provisioning_configuration(max_nodes=2))
        self.write("yaml/env.yml", "name: file-env\npython:\n  userManagedDependencies: true\n")
        self.write("yaml/tscore.yml", "parallel_run_config:\n  mini_batch_size: 1024\n  error_threshold: 1\n"
                   "  output_action: append_row\n  logging_level: INFO\n  compute_target_name: cpu-cluster\n"
                   "  node_count: 1\n  process_count_per_node: 2\n  entry_script: tscore.py\n"
                   "  source_directory: scripts\n  description: null\n  run_invocation_timeout: 60\n"
                   "  run_max_try: 3\n  append_row_file_name: out.txt\n  environment: env.yml\n")
        path = self.write("yaml/tab.yml", "pipeline:\n  data_references:\n    Table: {dataset_name: table}\n"
                          "  steps:\n    Score:\n      type: ParallelRunStep\n      parallel_run_config: tscore.yml\n"
                          "      models_id: ['%s']\n      inputs: {rows: {source: Table}}\n"
                          "      outputs: {o: {destination: Scored}}\n" % model.id)
        pipeline = Pipeline.load_yaml(self.ws, path)
        step = pipeline._steps[0]
        self.assertEqual((step.parallel_run_config.environment.name, [m.id for m in step.models]),
                         ("file-env", ["mymodel:1"]))
        self.assertEqual(step.parallel_run_config.compute_target, "cpu-cluster")
        run = self.submit(pipeline)
        out = run.find_step_run("Score")[0].get_output_data("Scored").path
        self.assertEqual(sorted(_text(os.path.join(out, "out.txt")).splitlines()),
                         sorted("%d,%d,K=3" % (i, i * i) for i in range(7)))

    def test_step_type_errors_name_the_file_and_key(self):
        from azureml.pipeline.core.module import InputPortDef, Module
        from azureml.pipeline.steps import ParallelRunConfig
        Dataset.File.from_files([(self.store, "raw/")]).register(self.ws, "files")
        self.write("yaml/scripts/score.py", PRS_SCORE)
        ParallelRunConfig(environment=Environment("e"), entry_script="score.py", source_directory="scripts",
                          error_threshold=1, output_action="append_row", compute_target="local",
                          node_count=1).save_to_yaml(os.path.join(self.ws.path, "yaml", "score.yml"))
        self.write("yaml/no_env.yml", "parallel_run_config: {entry_script: score.py, error_threshold: 1, "
                   "output_action: summary_only, node_count: 1, environment_name: nosuch}\n")
        self.write("yaml/bogus.yml", "parallel_run_config: {entry_script: score.py, error_threshold: 1, "
                   "output_action: summary_only, node_count: 1, bogus: 2}\n")
        self.write("mod/m.py", "print(1)\n")
        Module.create(self.ws, "mod").publish_python_script(
            "m.py", "d", inputs=[InputPortDef("in_port")], outputs=[], version="1", is_default=True,
            source_directory=os.path.join(self.ws.path, "mod"))
        head = ("pipeline:\n  parameters: {P: {type: datapath, default: {datastore: workspaceblobstore, "
                "path_on_datastore: raw}}}\n  data_references:\n    Raw: {datastore: workspaceblobstore, "
                "path_on_datastore: raw}\n    Files: {dataset_name: files}\n  steps:\n")
        prs = "    S: {type: ParallelRunStep, parallel_run_config: %s, inputs: {i: {source: Files}}, outputs: {o: {destination: O}}}\n"
        dts = "    C: {type: DataTransferStep, source_data_reference: {s: {source: %s}}, destination_data_reference: {d: {source: %s}}%s}\n"
        cases = [
            ("    A: {type: FooStep}\n", r"pipeline.steps.A.type: step 'A': FooStep steps are not part of"),
            ("    A: {type: DatabricksStep}\n", r"pipeline.steps.A.type: step 'A' is a DatabricksStep, which runs on Azure Databricks"),
            (prs % "nope.yml", r"pipeline.steps.S.parallel_run_config: \S+/yaml/nope.yml does not exist"),
            (prs % "bogus.yml", r"pipeline.steps.S.parallel_run_config: \S+/yaml/bogus.yml: parallel_run_config.bogus: unknown key"),
            (prs % "no_env.yml", r"pipeline.steps.S.parallel_run_config: \S+/no_env.yml: parallel_run_config.environment_name: "
                                 r"Environment 'nosuch' is not registered"),
            ("    S: {type: ParallelRunStep, inputs: {i: {source: Files}}}\n",
             r"pipeline.steps.S.parallel_run_config: a ParallelRunStep needs the path of a ParallelRunConfig file"),
            ((prs % "score.yml").replace("}}}", "}}, entry_script: x.py}"), r"pipeline.steps.S: unknown key entry_script"),
            ((prs % "score.yml").replace("{i: {source: Files}}", "{i: {source: Files}, j: {source: Raw}}"),
             r"pipeline.steps.S.inputs: a ParallelRunStep splits one input into mini-batches \(got 2\)"),
            (dts % ("Raw", "New", ", destination: x"), r"pipeline.steps.C: unknown key destination"),
            (dts % ("Raw", "New", ", source_reference_type: folder"),
             r"pipeline.steps.C: DataTransferStep: source_reference_type must be 'file' or 'directory'"),
            (dts % ("P", "New", ""), r"pipeline.steps.C.source_data_reference.s.source: a datapath parameter cannot be"),
            (dts % ("Raw", "Files", ""), r"pipeline.steps.C.destination_data_reference.d.source: 'Files' is a dataset"),
            (dts % ("Raw", "New, datastore: x", ""), r"pipeline.steps.C.destination_data_reference.d: unknown key datastore"),
            ("    C: {type: DataTransferStep, destination_data_reference: {d: {source: New}}}\n",
             r"pipeline.steps.C.source_data_reference: a DataTransferStep has exactly one source_data_reference \(got 0\)"),
            ("    M: {type: ModuleStep, name: nope}\n", r"pipeline.steps.M.name: module 'nope': no module called 'nope'"),
            ("    M: {type: ModuleStep}\n", r"pipeline.steps.M: a ModuleStep names its module with name: \(or id:\)"),
            ("    M: {type: ModuleStep, name: mod, version: '9', inputs: {in_port: {source: Raw}}}\n",
             r"pipeline.steps.M.version: module 'mod': .*no version '9'"),
            ("    M: {type: ModuleStep, name: mod, inputs: {bad: {source: Raw}}}\n",
             r"pipeline.steps.M: ModuleStep: module mod:1 has no input port 'bad'"),
        ]
        for text, pattern in cases:
            path = self.write("yaml/bad.yml", head + text)
            with self.subTest(text=text):
                with self.assertRaisesRegex(ValueError, "bad.yml: " + pattern):
                    Pipeline.load_yaml(self.ws, path)
        # A key of another step type is ignored, as the SDK ignores it, with a warning naming it.
        ignored = [
            (dts % ("Raw", "New", ", arguments: [a]"), r"pipeline.steps.C: a DataTransferStep does not use arguments"),
            ((prs % "score.yml").replace("}}}", "}}, runconfig: x.runconfig}"),
             r"pipeline.steps.S: a ParallelRunStep does not use runconfig"),
            ("    M: {type: ModuleStep, name: mod, script_name: x.py, inputs: {in_port: {source: Raw}}}\n",
             r"pipeline.steps.M: a ModuleStep does not use script_name"),
        ]
        for text, pattern in ignored:
            path = self.write("yaml/ignored.yml", head + text)
            with self.subTest(text=text):
                with self.assertWarnsRegex(UserWarning, "ignored.yml: " + pattern):
                    self.assertEqual(len(Pipeline.load_yaml(self.ws, path)._steps), 1)
        with self.assertRaisesRegex(FileNotFoundError, "ParallelRunConfig.load_yaml: cannot read .*missing.yml"):
            ParallelRunConfig.load_yaml(self.ws, os.path.join(self.root, "missing.yml"))


if __name__ == "__main__":
    unittest.main()

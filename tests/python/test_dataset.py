"""Step-side dataset objects (python/runnel/dataset.py) built from context entries."""

import os
import tempfile
import unittest

import helpers  # noqa: F401  (puts python/ on sys.path)
from runnel import dataset


def _entry(tmp, files, kind="tabular", columns=None, options=None):
    defn = {"kind": kind, "files": [], "columns": columns or [], "options": options or {}}
    for rel, data in files.items():
        p = os.path.join(tmp, "ds", rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        defn["files"].append({"datastore": "workspaceblobstore", "path": rel, "local_path": p,
                              "partition": {}})
    return {"type": "mltable", "mode": "direct", "path": None, "value": None,
            "dataset": {"name": "d", "version": 1, "kind": kind, "definition": defn}}


class TabularTest(unittest.TestCase):
    def test_pandas_dtypes_and_tricky_fields(self):
        with tempfile.TemporaryDirectory() as tmp:
            cols = [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"},
                    {"name": "score", "type": "float"}, {"name": "ok", "type": "boolean"},
                    {"name": "when", "type": "datetime", "date_order": "dmy"}]
            data = (b'\xef\xbb\xbfid,name,score,ok,when\n1,"Smith, J",1,true,25/12/2024\n'
                    b'2,"two\nlines",,False,03/07/2024\n')
            ds = dataset.from_context(_entry(tmp, {"t/a.csv": data}, columns=cols))
            self.assertIsInstance(ds, dataset.TabularDataset)
            df = ds.to_pandas_dataframe()
            self.assertEqual(str(df["id"].dtype), "Int64")
            self.assertEqual(str(df["ok"].dtype), "boolean")
            self.assertTrue(str(df["when"].dtype).startswith("datetime64"))
            self.assertEqual(df["name"][0], "Smith, J")
            self.assertEqual(df["name"][1], "two\nlines")
            self.assertTrue(df["score"].isna()[1])
            self.assertEqual(df["when"][1].month, 7)  # day first: 3 July

    def test_latin1_and_csv_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            cols = [{"name": "ville", "type": "string"}, {"name": "pop", "type": "integer"}]
            e = _entry(tmp, {"l.csv": b"ville;pop\nS\xe8te;44000\n"}, columns=cols,
                       options={"separator": ";", "encoding": "latin1"})
            ds = dataset.from_context(e)
            self.assertEqual(ds.to_pandas_dataframe()["ville"][0], "S\u00e8te")
            out = ds.to_csv_files(os.path.join(tmp, "out")).to_path()
            self.assertEqual(out, ["/part-00000.csv"])

    def test_ragged_row_is_an_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            cols = [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}]
            ds = dataset.from_context(_entry(tmp, {"r.csv": b"a,b\n1,2\n3\n"}, columns=cols))
            with self.assertRaises(dataset.DatasetError) as cm:
                ds.to_pandas_dataframe()
            self.assertIn("r.csv:3", str(cm.exception))


class FileTest(unittest.TestCase):
    def test_to_path_download_and_mount(self):
        with tempfile.TemporaryDirectory() as tmp:
            e = _entry(tmp, {"img/a.png": b"A", "img/sub/b.png": b"B"}, kind="file")
            ds = dataset.from_context(e)
            self.assertEqual(ds.to_path(), ["/a.png", "/sub/b.png"])
            got = ds.download(os.path.join(tmp, "dl"))
            with open(got[1], "rb") as f:
                self.assertEqual(f.read(), b"B")
            with ds.mount() as m:
                with open(os.path.join(m.mount_point, "a.png"), "rb") as f:
                    self.assertEqual(f.read(), b"A")

    def test_download_over_a_file_another_process_reads_is_never_half_written(self):
        # Processes of one ParallelRunStep download the same dataset into one folder at
        # init() with overwrite=True (the batch scoring tutorial); a reader must see the
        # whole file, never the empty or short one a plain copy leaves while it writes
        # (it failed in CI: labels.txt read empty, IndexError in run()).
        import threading
        with tempfile.TemporaryDirectory() as tmp:
            body = b"goldfish\n" * 200000
            ds = dataset.from_context(_entry(tmp, {"labels/labels.txt": body}, kind="file"))
            target = os.path.join(tmp, "dl")
            dest = ds.download(target)[0]
            stop, seen = threading.Event(), []

            def read():
                while not stop.is_set():
                    with open(dest, "rb") as f:
                        n = len(f.read())
                    if n != len(body):
                        seen.append(n)

            t = threading.Thread(target=read)
            t.start()
            try:
                for _ in range(60):
                    ds.download(target, overwrite=True)
            finally:
                stop.set()
                t.join()
            self.assertEqual(seen, [])
            self.assertEqual(sorted(os.listdir(target)), ["labels.txt"])  # no temp file left

    def test_entry_without_dataset_is_an_error(self):
        with self.assertRaises(dataset.DatasetError):
            dataset.from_context({"type": "uri_folder", "path": "/x", "dataset": None})


if __name__ == "__main__":
    unittest.main()

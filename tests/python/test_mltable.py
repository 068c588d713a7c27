"""Tests of runnel's `mltable` module (python/mltable): MLTable files with paths (file,
folder, pattern) and read_delimited / read_json_lines / read_parquet, headers, encodings,
column selection and type conversion.

Run: /usr/bin/python3 -m unittest discover -s tests/python
"""

import os
import shutil
import tempfile
import unittest

import helpers  # noqa: F401  (puts python/ on sys.path)
import mltable


class MltableTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="runnel-mltable-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def put(self, rel, text, encoding="utf-8"):
        p = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding=encoding) as f:
            f.write(text)
        return p

    def test_columns_from_the_partition_format_of_the_paths(self):
        self.put("t/2024/01/05/oslo/a.csv", "v\n1\n2\n")
        self.put("t/2024/02/10/rome/b.csv", "v\n3\n")
        self.put("t/MLTable", "paths:\n  - pattern: ./**/*.csv\ntransformations:\n"
                              "  - read_delimited: {header: all_files_same_headers}\n"
                              "  - extract_columns_from_partition_format:\n"
                              "      partition_format: '{Day:yyyy/MM/dd}/{city}/{file_name}.csv'\n")
        df = mltable.load(os.path.join(self.dir, "t")).to_pandas_dataframe()
        # Path was not asked for: it is used for the values, then not shown.
        self.assertEqual(list(df.columns), ["v", "Day", "city", "file_name"])
        self.assertEqual(list(df["city"]), ["oslo", "oslo", "rome"])
        self.assertEqual([d.month for d in df["Day"]], [1, 1, 2])
        self.assertEqual(list(df["file_name"]), ["a", "a", "b"])
        self.put("t/MLTable", "paths:\n  - pattern: ./**/*.csv\ntransformations:\n"
                              "  - read_delimited: {}\n"
                              "  - extract_columns_from_partition_format: {partition_format: '{city}/x/{f}.csv'}\n")
        with self.assertRaises(ValueError) as cm:
            mltable.load(os.path.join(self.dir, "t")).to_pandas_dataframe()
        self.assertIn("does not match", str(cm.exception))

    def test_delimited_file_with_header_and_types(self):
        self.put("t/iris.csv", "sepal,species,ok\n5.1,setosa,true\n4.9,,false\n")
        self.put("t/MLTable", "paths:\n  - file: ./iris.csv\ntransformations:\n"
                              "  - read_delimited: {delimiter: ',', header: all_files_same_headers}\n")
        df = mltable.load(os.path.join(self.dir, "t")).to_pandas_dataframe()
        self.assertEqual(list(df.columns), ["sepal", "species", "ok"])
        self.assertEqual(len(df), 2)
        self.assertAlmostEqual(df["sepal"].sum(), 10.0)
        self.assertEqual(str(df["sepal"].dtype), "float64")
        self.assertIsNone(df["species"][1])  # empty field -> null
        self.assertEqual(list(df["ok"]), [True, False])
        # load() also takes the MLTable file itself.
        self.assertEqual(len(mltable.load(os.path.join(self.dir, "t", "MLTable")).to_pandas_dataframe()), 2)

    def test_folder_pattern_headers_and_encoding(self):
        self.put("d/part1.tsv", "1\tä\n2\tb\n", encoding="latin-1")
        self.put("d/part2.tsv", "3\tc\n", encoding="latin-1")
        self.put("MLTable", "paths:\n  - folder: ./d\ntransformations:\n  - read_delimited:\n"
                            "      delimiter: \"\\t\"\n      header: no_header\n      encoding: latin1\n")
        df = mltable.load(self.dir).to_pandas_dataframe()
        self.assertEqual(list(df.columns), ["Column1", "Column2"])
        self.assertEqual(list(df["Column1"]), [1, 2, 3])
        self.assertEqual(df["Column2"][0], "ä")
        self.put("MLTable", "paths:\n  - pattern: ./d/*2.tsv\ntransformations:\n  - read_delimited:\n"
                            "      delimiter: \"\\t\"\n      header: no_header\n      encoding: latin1\n"
                            "      include_path_column: true\n")
        df = mltable.load(self.dir).to_pandas_dataframe()
        self.assertEqual(len(df), 1)
        self.assertTrue(df["Path"][0].endswith("part2.tsv"))

    def test_from_first_file_and_mismatched_headers(self):
        self.put("a.csv", "x,y\n1,2\n")
        self.put("b.csv", "3,4\n")
        t = mltable.from_delimited_files([{"file": os.path.join(self.dir, "a.csv")},
                                          {"file": os.path.join(self.dir, "b.csv")}], header="from_first_file")
        self.assertEqual(list(t.to_pandas_dataframe()["x"]), [1, 3])
        self.put("c.csv", "x,z\n5,6\n")
        t = mltable.from_delimited_files([os.path.join(self.dir, "a.csv"), os.path.join(self.dir, "c.csv")])
        with self.assertRaisesRegex(ValueError, "all_files_same_headers"):
            t.to_pandas_dataframe()

    def test_columns_and_conversions(self):
        self.put("t/x.csv", "a,b,c,d\n1,2,x,2024-01-02\n3,4,y,2024-02-03\n")
        self.put("t/MLTable", "paths: [{file: ./x.csv}]\ntransformations:\n  - read_delimited: {}\n"
                              "  - drop_columns: [b]\n  - convert_column_types:\n"
                              "      - columns: a\n        column_type: float\n"
                              "      - columns: d\n        column_type: {datetime: {formats: ['%Y-%m-%d']}}\n")
        df = mltable.load(os.path.join(self.dir, "t")).to_pandas_dataframe()
        self.assertEqual(list(df.columns), ["a", "c", "d"])
        self.assertEqual(str(df["a"].dtype), "float64")
        self.assertEqual(df["d"][1].month, 2)
        tbl = mltable.load(os.path.join(self.dir, "t")).keep_columns(["c"]).take(1)
        self.assertEqual(tbl.to_pandas_dataframe().to_dict("list"), {"c": ["x"]})
        with self.assertRaisesRegex(KeyError, "no column"):
            mltable.load(os.path.join(self.dir, "t")).keep_columns("zz").to_pandas_dataframe()

    def test_json_lines_and_parquet(self):
        self.put("j/a.jsonl", '{"k": 1, "v": "a"}\nnot json\n{"k": 2, "v": "b"}\n')
        t = mltable.from_json_lines_files([os.path.join(self.dir, "j/a.jsonl")], invalid_lines="drop")
        self.assertEqual(list(t.to_pandas_dataframe()["k"]), [1, 2])
        with self.assertRaisesRegex(ValueError, "line 2 is not JSON"):
            mltable.from_json_lines_files([os.path.join(self.dir, "j/a.jsonl")]).to_pandas_dataframe()
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            self.put("p/x.parquet", "")
            with self.assertRaisesRegex(ImportError, "pyarrow"):
                mltable.from_parquet_files([os.path.join(self.dir, "p/x.parquet")]).to_pandas_dataframe()

    def test_bad_definitions_say_what(self):
        self.put("t/MLTable", "paths:\n  - file: ./missing.csv\n")
        with self.assertRaisesRegex(FileNotFoundError, "missing.csv"):
            mltable.load(os.path.join(self.dir, "t")).to_pandas_dataframe()
        self.put("u/MLTable", "paths:\n  - url: x\n")
        with self.assertRaisesRegex(ValueError, "unknown key 'url'"):
            mltable.load(os.path.join(self.dir, "u")).to_pandas_dataframe()
        with self.assertRaisesRegex(FileNotFoundError, "no MLTable"):
            mltable.load(self.dir)
        self.put("r/MLTable", "paths:\n  - file: azureml://datastores/x/paths/y.csv\n")
        with self.assertRaisesRegex(ValueError, "not local"):
            mltable.load(os.path.join(self.dir, "r")).to_pandas_dataframe()

    def test_save_round_trip(self):
        self.put("a.csv", "x\n1\n")
        t = mltable.from_delimited_files([{"file": "./a.csv"}])
        t.save(os.path.join(self.dir, "saved"))
        self.assertTrue(os.path.exists(os.path.join(self.dir, "saved", "MLTable")))


if __name__ == "__main__":
    unittest.main()

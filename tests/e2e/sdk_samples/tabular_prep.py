# The dataset calls of the newer v1 notebooks: Dataset.File.upload_directory, then a
# TabularDataset split and trimmed in the notebook (random_split, keep_columns, drop_columns,
# skip, take_sample), handed to a step with as_named_input, and a pandas frame registered
# with Dataset.Tabular.register_pandas_dataframe.
import pandas as pd

from azureml.core import Dataset, Experiment, Workspace
from azureml.pipeline.core import Pipeline
from azureml.pipeline.steps import PythonScriptStep

ws = Workspace.from_config()
store = ws.get_default_datastore()
files = Dataset.File.upload_directory(src_dir="tabular_data", target=(store, "rides"), pattern="*.csv",
                                      overwrite=True, show_progress=False)
print("uploaded:", sorted(p.rsplit("/", 1)[-1] for p in files.to_path()))
rides = Dataset.Tabular.from_delimited_files(path=(store, "rides/rides.csv"))
train, test = rides.random_split(percentage=0.75, seed=7)
train = train.drop_columns(["vendor"])
print("split:", len(train.to_pandas_dataframe()), len(test.to_pandas_dataframe()))
print("train columns:", train.keep_columns(["distance", "fare"]).columns)
print("skip/take_sample:", len(rides.skip(30).to_pandas_dataframe()),
      len(rides.take_sample(0.5, seed=1).to_pandas_dataframe()) > 0)

summary = pd.DataFrame({"vendor": ["v0", "v1"], "rides": [14, 13]})
reg = Dataset.Tabular.register_pandas_dataframe(summary, target=(store, "summaries"), name="vendor_summary",
                                                show_progress=False)
print("registered:", reg.name, reg.version, Dataset.get_by_name(ws, "vendor_summary").to_pandas_dataframe().shape)

step = PythonScriptStep(script_name="fit.py", name="fit", source_directory="tabular_src",
                        inputs=[train.keep_columns(["distance", "fare"]).as_named_input("train"),
                                test.as_named_input("test")])
run = Experiment(ws, "tabular-prep").submit(Pipeline(ws, [step]))
run.wait_for_completion(show_output=False)
print("status:", run.get_status())

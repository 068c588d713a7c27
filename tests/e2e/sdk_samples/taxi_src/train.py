from azureml.core import Run
from sklearn.linear_model import LinearRegression

run = Run.get_context()
df = run.input_datasets["train_data"].to_pandas_dataframe()
print("train columns", list(df.columns), "rows", len(df))
model = LinearRegression().fit(df[["distance"]].astype(float), df["cost"].astype(float))
run.log("slope", round(float(model.coef_[0]), 1))
run.log("rows", len(df))

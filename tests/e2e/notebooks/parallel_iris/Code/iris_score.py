# Scores mini-batches of iris rows with the registered model (found by name in init()).
import argparse
import pickle

from azureml.core.model import Model
from azureml_user.parallel_run import EntryScript


def init():
    global iris_model
    EntryScript().logger.info("init() is called.")
    parser = argparse.ArgumentParser(description="Iris model serving")
    parser.add_argument('--model_name', dest="model_name", required=True)
    args, _unknown = parser.parse_known_args()
    with open(Model.get_model_path(args.model_name), 'rb') as f:
        iris_model = pickle.load(f)


def run(input_data):
    EntryScript().logger.info("run() is called with %d rows." % len(input_data))
    features = input_data[input_data.columns[:4]]
    pred = iris_model.predict(features.values)
    result = input_data.drop(input_data.columns[4:], axis=1)
    result['variety'] = pred
    return result

# Registers the best trial's model file (the HyperDriveStep's TrainingOutput("Model") output).
import argparse
import os
from shutil import copy2

from azureml.core import Model, Run

parser = argparse.ArgumentParser()
parser.add_argument('--saved-model', type=str, dest='saved_model')
args = parser.parse_args()
os.makedirs('./model/', exist_ok=True)
copy2(args.saved_model, './model/')
ws = Run.get_context().experiment.workspace
model = Model.register(workspace=ws, model_name='tf-dnn-mnist', model_path='./model/')
print('registered', model.name, model.version)

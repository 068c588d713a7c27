# A stand-in for the notebook's TensorFlow trial script: reads the mounted data folder,
# "trains" with the sampled hyperparameters, logs validation_acc per epoch and saves a model
# under ./outputs/model/ as the real script does.
import argparse
import glob
import math
import os

from azureml.core import Run

parser = argparse.ArgumentParser()
parser.add_argument('--data-folder', dest='data_folder')
parser.add_argument('--batch-size', type=int, default=50)
parser.add_argument('--first-layer-neurons', type=int, default=100)
parser.add_argument('--second-layer-neurons', type=int, default=100)
parser.add_argument('--learning-rate', type=float, default=0.01)
args = parser.parse_args()

files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(args.data_folder, '*.gz')))
print('data files:', files)
assert len(files) == 4, files
run = Run.get_context()
score = 1.0 / (1.0 + abs(math.log(args.learning_rate) + 3)) * (args.first_layer_neurons / 500.0) ** 0.1
for epoch in range(3):
    run.log('validation_acc', round(score * (epoch + 1) / 3, 6))
os.makedirs('./outputs/model', exist_ok=True)
with open('./outputs/model/saved_model.pb', 'w') as f:
    f.write('model lr=%g neurons=%d\n' % (args.learning_rate, args.first_layer_neurons))

# A stand-in for the notebook's distributed TensorFlow script: "trains" for --epochs and
# logs the loss per epoch.
import argparse
import os

from azureml.core import Run

parser = argparse.ArgumentParser()
parser.add_argument('--epochs', type=int, default=1)
args = parser.parse_args()
run = Run.get_context()
for epoch in range(args.epochs):
    run.log('loss', 1.0 / (epoch + 1))
os.makedirs('outputs', exist_ok=True)
with open('outputs/model.txt', 'w') as f:
    f.write('epochs=%d\n' % args.epochs)
run.upload_file('outputs/model.txt', 'outputs/model.txt')
print('trained for %d epochs' % args.epochs)

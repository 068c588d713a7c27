# Reads the MLTable input as a DataFrame; writes the warmest city.
import argparse, os

import mltable

ap = argparse.ArgumentParser()
ap.add_argument("--input_data"); ap.add_argument("--output_data")
a = ap.parse_args()
df = mltable.load(a.input_data).to_pandas_dataframe()
with open(os.path.join(a.output_data, "warmest.txt"), "w") as f:
    f.write("%s %d rows\n" % (df.sort_values("temp").iloc[-1]["city"], len(df)))

# Sums quantity * price over a mini-batch (one Store/Brand partition) and returns its rows
# with the partition's total income appended.
from azureml_user.parallel_run import EntryScript


def init():
    EntryScript().logger.info("init() is called.")


def run(input_data):
    total = (input_data["Quantity"] * input_data["Price"]).sum()
    input_data["total_income"] = round(float(total), 2)
    return input_data

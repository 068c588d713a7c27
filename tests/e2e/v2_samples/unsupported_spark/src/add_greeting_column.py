print("spark is not run by runnel")

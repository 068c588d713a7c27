print("Hello Python World...\nI am component B :-)")

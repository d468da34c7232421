print("gpool")

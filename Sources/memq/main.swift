print("memq")

print("memqd")

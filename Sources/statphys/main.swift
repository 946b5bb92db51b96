print("statphys")

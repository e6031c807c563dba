print("install-bench")

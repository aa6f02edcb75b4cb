"""Personal-data detectors: one module per data type, pure functions over a str."""

"""Speed measurements, each against a reference measured in the same run. Not collected by
pytest; run one as ``python -m benchmarks.bench_<what>``."""

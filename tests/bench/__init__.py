"""The load benchmark (`make bench`, ``python -m tests.bench``) and its tests."""

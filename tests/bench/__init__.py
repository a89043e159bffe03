"""Tests of the load benchmark (`make bench`)."""

"""Running the assistant as a cluster of processes, and the load benchmark (`make bench`)."""

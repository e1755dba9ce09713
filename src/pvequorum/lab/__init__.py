"""The real-corosync lab (an edge): daemons in network namespaces, faults, scenario runs."""

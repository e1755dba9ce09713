"""pvequorum: learn, and safely operate, quorum in Proxmox VE clusters."""

__version__ = "0.1.0"  # kept equal to pyproject.toml's version (tests/test_packaging.py)

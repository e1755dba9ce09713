"""Teaching material: notebooks and labs are generated from percent-format sources.

`source` (pure) turns one source into cells, with the exercise and solution variants of a
lab; `build` (an edge: it runs kernels) writes the `.ipynb` files and keeps the outputs of
the cells nbval checks strictly (`# NBVAL_CHECK_OUTPUT`).
"""

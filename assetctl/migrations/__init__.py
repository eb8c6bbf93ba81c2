"""Alembic migrations shipped inside the package (``script_location = assetctl:migrations``).

HEAD is the revision this version of assetctl expects; every command checks it cheaply, without
importing Alembic. A test fails if HEAD and the newest migration disagree.
"""

HEAD = "0010"

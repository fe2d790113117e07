"""Sub-commands of the ``storms`` command, one module each."""

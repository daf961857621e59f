"""The subcommands of the ``scatterwave`` command line (:mod:`scatterwave.cli`)."""

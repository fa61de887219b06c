"""Input to graph events: the envelope, source formats, OCSF mapping, time parsing, graph model. Pure, no I/O."""

"""What users read: the batch report, the generated docs and the browser app (the command line is calexico.cli)."""

"""Running the model: scenarios, single runs, batches on a pool or a cluster, result storage and provenance."""

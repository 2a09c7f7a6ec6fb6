"""Analysis of runs: calibration and validation against targets, sensitivity, screening, discovery, comparisons."""

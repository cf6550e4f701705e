"""What the scores mean: sensitivity and Sobol indices, coherence, contributions, submission quality and
the rectification (整改) loop. Pure functions over scored periods."""

"""`make bench`: speed of the offline preview against floors measured in the same run."""

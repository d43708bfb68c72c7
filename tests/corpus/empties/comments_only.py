# Only comments here.
# Nothing runs.

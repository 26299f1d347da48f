"""Exit codes, as gh has them: scripts tell "not logged in" from any other failure."""

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2  # a usage error, or cancelled
EXIT_AUTH = 4  # not logged in, or the token was rejected

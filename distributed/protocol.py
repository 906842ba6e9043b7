"""How ranks talk to the driver over stdout: rank 0's result is one marked JSON line, a failing rank
prints one marked error line. Everything else is log, streamed back with the host name."""

RESULT_MARK = "@@distributed-result@@ "
ERROR_MARK = "@@distributed-error@@ "

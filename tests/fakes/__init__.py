"""Fakes of Slack and Discord that the real SDKs talk to over HTTP and websockets."""

#: How long a fake's ``wait_*`` waits for something a test expects to arrive (a message,
#: a callback, a request, a connection, an ack). It returns the moment the thing
#: arrives, so a passing run never waits this long; it only has to outlast a loaded
#: 2-core CI machine (3 s did not, now and then). A test that asserts something does
#: NOT arrive waits for a short time of its own, never this.
ARRIVAL_TIMEOUT_S = 20.0

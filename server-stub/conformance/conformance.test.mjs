// The Durable Streams server suite, pointed at server-stub by run.sh (CONFORMANCE_TEST_URL).
// CONFORMANCE_SUBSCRIPTIONS=1 also runs the reserved subscription APIs (out of scope: 501).
import { runConformanceTests } from "@durable-streams/server-conformance-tests"

runConformanceTests({
  baseUrl: process.env.CONFORMANCE_TEST_URL,
  longPollTimeoutMs: Number(process.env.CONFORMANCE_LONG_POLL_MS ?? 20000),
  subscriptions: process.env.CONFORMANCE_SUBSCRIPTIONS === "1",
})

/**
 * The Durable Streams client conformance adapter: a process that the suite's runner drives over
 * stdin/stdout (one JSON command per line in, one JSON answer per line out) and that executes each
 * command with the public rstream API only. See {@code examples/conformance/run-client-suite.sh}.
 */
@NullMarked
package dev.rstream.examples.conformance;

import org.jspecify.annotations.NullMarked;

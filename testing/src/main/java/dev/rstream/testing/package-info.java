/**
 * The test kit the modules of this repository share, on their test classpath only (benchmarks
 * excepted, which run the nginx launcher from their main code and publish nothing).
 *
 * <ul>
 *   <li>{@link dev.rstream.testing.StubServerExtension}: a real server-stub per test, its URLs and
 *       the OkHttp clients that talk to it, all released after the test.
 *   <li>{@link dev.rstream.testing.UndeliveredRxErrors}: collects what RxJava could not deliver and
 *       fails the test on any.
 *   <li>{@link dev.rstream.testing.NetworkLink}: a network on real sockets that goes down, comes
 *       back and stalls, between clients and a server.
 *   <li>{@link dev.rstream.testing.RecordingHttp}: an OkHttp client that records every request and
 *       knows which live reads are open; {@link dev.rstream.testing.Await}: a condition waited on
 *       with a deadline.
 *   <li>{@link dev.rstream.testing.PendingTimers}: a scheduler that knows which delayed tasks wait
 *       to run, so that a test can tell a client will send nothing until told to.
 *   <li>{@link dev.rstream.testing.ChildJvm}: a main class in a child JVM on the test's class path,
 *       its output read line by line, killed as {@code kill -9} would.
 *   <li>{@link dev.rstream.testing.Nginx}: the caching proxy of {@code deploy/nginx} as a child
 *       process, with its access log read back.
 *   <li>{@link dev.rstream.testing.ReferenceLog}: what a test appended, replayed to any time: the
 *       state a client must show.
 *   <li>{@link dev.rstream.testing.WindowedHistory}: many windows of known content written fast
 *       into a state stream, for tests and benchmarks of long histories.
 * </ul>
 *
 * <p>This module does not depend on the sdk: the sdk's tests depend on it, and Maven refuses a
 * cycle even through test scope. So the kit speaks in server-stub, OkHttp and plain Java types, and
 * the sdk's tests adapt it to theirs in one place ({@code dev.rstream.ReferenceChanges}). What must
 * speak in sdk types, the abstract {@code dev.rstream.LocalStoreContractTest} that every {@code
 * LocalStore} passes, is published in the sdk's test-jar instead: a store in another module extends
 * it with a test dependency on {@code rstream-sdk} of type {@code test-jar}.
 */
@NullMarked
package dev.rstream.testing;

import org.jspecify.annotations.NullMarked;

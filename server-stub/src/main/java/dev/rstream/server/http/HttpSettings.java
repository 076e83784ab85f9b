package dev.rstream.server.http;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP layer's limits and timings, as set on {@code StubServer.Builder}.
 *
 * @param longPollTimeoutMillis how long a long-poll waits before answering 204
 * @param sseCycleMillis how long an SSE connection lives before the server ends it (spec 10.2)
 * @param sseHeartbeatMillis how often an idle SSE connection gets a comment line
 * @param maxBodyBytes largest request body; larger ones are answered 413
 * @param maxReadBytes how many message bytes one read returns at most (one message at least)
 * @param maxBodiesInFlightBytes how many bytes of request bodies all requests together may hold
 *     while they are read; a request beyond that is answered 503 with {@code Retry-After}
 * @param producerIdleMillis an idempotent producer's state on a stream is forgotten when it has not
 *     written there for this long (spec 5.2.1)
 * @param bearerToken when set, the token every request but CORS preflight must carry, asked on
 *     every request (see {@link BearerAuth})
 */
public record HttpSettings(
    long longPollTimeoutMillis,
    long sseCycleMillis,
    long sseHeartbeatMillis,
    int maxBodyBytes,
    int maxReadBytes,
    long maxBodiesInFlightBytes,
    long producerIdleMillis,
    @Nullable Supplier<@Nullable String> bearerToken) {}

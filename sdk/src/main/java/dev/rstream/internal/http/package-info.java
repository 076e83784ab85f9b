/**
 * The Durable Streams transport over OkHttp: requests, status mapping, catch-up, long-poll and SSE reads.
 */
@NullMarked
package dev.rstream.internal.http;

import org.jspecify.annotations.NullMarked;

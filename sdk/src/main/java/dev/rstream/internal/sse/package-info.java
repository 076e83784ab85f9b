/**
 * Server-Sent Events parsing: turns the bytes of a {@code text/event-stream} body into events,
 * exactly as the WHATWG "event stream interpretation" says. Reconnection is not here: the transport
 * owns it and resumes from the last event id or offset this package reports.
 */
@NullMarked
package dev.rstream.internal.sse;

import org.jspecify.annotations.NullMarked;

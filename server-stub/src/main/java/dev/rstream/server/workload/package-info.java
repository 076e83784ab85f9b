/**
 * A demo workload: writes realistic State Protocol changes (an order book) to a state stream over
 * HTTP at a steady rate, optionally with a simulated clock so that hours of history take seconds.
 */
@NullMarked
package dev.rstream.server.workload;

import org.jspecify.annotations.NullMarked;

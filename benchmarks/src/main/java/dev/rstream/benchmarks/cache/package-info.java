/**
 * Scale-out of reads through a standard HTTP cache: a thousand devices behind one nginx in front of
 * server-stub ({@code deploy/nginx/rstream-cache.conf}; figures in {@code CACHING.md}).
 */
@NullMarked
package dev.rstream.benchmarks.cache;

import org.jspecify.annotations.NullMarked;

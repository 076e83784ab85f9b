/** Runnable examples: the demo and the {@code rstream} command-line tool. */
package dev.rstream.examples;

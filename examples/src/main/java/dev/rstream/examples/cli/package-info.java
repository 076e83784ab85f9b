/**
 * The {@code rstream} command-line tool: {@code tail}, {@code at}, {@code windows} and {@code
 * append} on one state stream, built on the public rstream API only. {@link
 * dev.rstream.examples.cli.RStreamCli} is the entry point; each subcommand is its own class.
 */
@NullMarked
package dev.rstream.examples.cli;

import org.jspecify.annotations.NullMarked;

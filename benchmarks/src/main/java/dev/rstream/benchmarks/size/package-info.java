/** What rstream adds to an app: jar sizes and method counts of it and its dependencies. */
package dev.rstream.benchmarks.size;

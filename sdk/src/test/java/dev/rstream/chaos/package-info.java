/** The chaos soak: a fault-injecting proxy and a soak test that runs every fault for minutes. */
@NullMarked
package dev.rstream.chaos;

import org.jspecify.annotations.NullMarked;

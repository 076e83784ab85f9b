/**
 * State Protocol messages decoded from the wire and the materialised state, kept in a persistent
 * map so each version shares all but the changed path with the last.
 */
@NullMarked
package dev.rstream.internal.state;

import org.jspecify.annotations.NullMarked;

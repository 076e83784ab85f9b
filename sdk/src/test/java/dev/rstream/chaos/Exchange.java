package dev.rstream.chaos;

import dev.rstream.chaos.FaultProxy.Fault;
import org.jspecify.annotations.Nullable;

/**
 * One request through the {@link FaultProxy} as its request side decided it, handed to the response
 * side that carries it out: its method, its target, the client named by {@link
 * FaultProxy#CLIENT_HEADER} if any, and the response fault it drew if any (the response side picks
 * where that strikes).
 */
record Exchange(
    String method, String target, @Nullable String client, @Nullable Fault responseFault) {}

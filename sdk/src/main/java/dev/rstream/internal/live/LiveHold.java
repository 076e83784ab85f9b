package dev.rstream.internal.live;

/** Why the live connection is held closed while its subscribers stay subscribed. */
public enum LiveHold {
  /** The app paused the client ({@code RStreamClient.pause()}). */
  PAUSED,
  /** The device has no network: progress says {@code OFFLINE} and no request is sent. */
  OFFLINE,
  /** The app is in the background and does not want live data there. */
  BACKGROUND
}

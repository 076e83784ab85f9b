package dev.rstream.examples.cli;

/**
 * The process exit codes of {@code rstream}, one per kind of failure, so that scripts can tell "fix
 * the command" from "try again later". 2 is picocli's code for a usage error.
 */
public final class ExitCode {
  /** The command did what it was asked. */
  public static final int OK = 0;

  /** A failure no other code describes (a bug in the tool or the SDK). */
  public static final int INTERNAL = 1;

  /** Unknown option, missing argument, or an argument that does not parse (such as TIME). */
  public static final int USAGE = 2;

  /** The stream URL is not an http(s) URL. */
  public static final int BAD_URL = 3;

  /** The JSON given to {@code append} is malformed or not State Protocol. */
  public static final int BAD_JSON = 4;

  /**
   * The stream holds no state for the time asked for: it is before the stream's first keyframe, or
   * the stream's changes up to it carry no timestamps.
   */
  public static final int OUT_OF_RANGE = 5;

  /** The stream does not exist (404). */
  public static final int NOT_FOUND = 6;

  /** The server is down, unreachable, overloaded or did not answer in time. */
  public static final int UNAVAILABLE = 7;

  /** The server broke the protocol. */
  public static final int PROTOCOL = 8;

  /** The server refused the request (any other 4xx, a conflict). */
  public static final int REFUSED = 9;

  /**
   * The stream is not a state stream: not JSON, or a message in it is not State Protocol. The URL
   * names another kind of stream, or something else writes to it; the server is fine.
   */
  public static final int NOT_A_STATE_STREAM = 10;

  private ExitCode() {}
}

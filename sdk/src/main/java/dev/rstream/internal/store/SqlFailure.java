package dev.rstream.internal.store;

import org.jspecify.annotations.Nullable;

/** A {@link SqlConnection} failed; {@link #kind()} is what the store decides on. */
public final class SqlFailure extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong, as far as the store's decisions go. */
  public enum Kind {
    /** The disk, or the file's size limit, is full. */
    FULL,
    /** The file cannot be written or opened for writing. */
    NOT_WRITABLE,
    /** The file is not a database, or its content is damaged: it is moved aside when opened. */
    CORRUPT,
    /** Anything else. */
    OTHER
  }

  private final Kind kind;

  public SqlFailure(Kind kind, String message) {
    this(kind, message, null);
  }

  public SqlFailure(Kind kind, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}

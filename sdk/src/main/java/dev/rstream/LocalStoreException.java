package dev.rstream;

import static java.util.Objects.requireNonNull;

import java.io.File;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LocalStore} could not open or write its file. {@link #reason()} says what to fix; the
 * message names the file. A client that gets it from its store logs it and keeps working from
 * memory: nothing it read is lost, it is only not kept across a restart.
 */
public final class LocalStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the store failed. */
  public enum Reason {
    /** The file or its directory cannot be written (permissions, read-only file system). */
    NOT_WRITABLE,
    /** The disk (or the store's size limit) is full. */
    DISK_FULL,
    /** Another store object, in this process or another, has the file open. */
    IN_USE,
    /** The SQLite driver ({@code org.xerial:sqlite-jdbc}) is not on the class path. */
    NO_DRIVER,
    /** Any other I/O or database failure. */
    IO
  }

  private final Reason reason;
  private final File file;

  /** Returns an exception for {@code file}; the message says {@code what} failed and why. */
  public LocalStoreException(Reason reason, File file, String what, @Nullable Throwable cause) {
    super(what + " (" + reason + ", " + file + ")", cause);
    this.reason = requireNonNull(reason, "reason == null");
    this.file = requireNonNull(file, "file == null");
  }

  /** Why the store failed. */
  public Reason reason() {
    return reason;
  }

  /** The store file. */
  public File file() {
    return file;
  }
}

package dev.rstream.server.http;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional bearer-token check (RFC 6750) in front of the stream handler: every request but a
 * CORS preflight must carry {@code Authorization: Bearer {token}} with the token accepted at that
 * moment, or it is answered 401 with {@code WWW-Authenticate: Bearer} and the JSON error body of
 * every other refusal. Reads, live reads, appends, HEAD and the keyframe index alike: the check
 * runs before routing. A live read already streaming is not cut when its token stops being
 * accepted; its next reconnect (the SSE cycle, the next long-poll) is refused.
 *
 * <p>The accepted token is asked of a {@link Supplier} on every request, so it can rotate or expire
 * at any time. Neither token is ever logged or echoed: the 401 names no token.
 */
public final class BearerAuth extends Handler.Wrapper {
  private static final Logger log = LoggerFactory.getLogger(BearerAuth.class);

  private final Supplier<@Nullable String> accepted;

  /**
   * @param accepted the token accepted now, asked on every request from Jetty's threads; null or
   *     empty accepts nothing
   */
  public BearerAuth(Supplier<@Nullable String> accepted, Handler handler) {
    super(handler);
    this.accepted = requireNonNull(accepted, "accepted == null");
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    // A browser sends a preflight without credentials; it must learn that Authorization may come.
    if (request.getMethod().equals("OPTIONS") || authorized(request)) {
      return super.handle(request, response, callback);
    }
    ErrorResponses.write(
        request,
        response,
        callback,
        new HttpError(401, "unauthorized", "missing, wrong or expired bearer token")
            .header("WWW-Authenticate", "Bearer"));
    return true;
  }

  private boolean authorized(Request request) {
    String expected;
    try {
      expected = accepted.get();
    } catch (RuntimeException e) {
      // Logged without the message: a supplier's exception may quote what it was reading.
      log.warn("the accepted bearer token is unavailable ({}); refusing", e.getClass().getName());
      return false;
    }
    if (expected == null || expected.isEmpty()) return false;
    String presented = presentedToken(request.getHeaders().get(HttpHeader.AUTHORIZATION));
    // Comparing digests keeps the time to refuse independent of where a guess first differs and
    // of the token's length.
    return presented != null && MessageDigest.isEqual(sha256(presented), sha256(expected));
  }

  /** The token of an {@code Authorization: Bearer} header; the scheme is case-insensitive. */
  static @Nullable String presentedToken(@Nullable String authorization) {
    if (authorization == null || authorization.length() < 7) return null;
    if (!authorization.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) return null;
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JRE has SHA-256", e);
    }
  }

  /**
   * The token held in {@code file} (its content, trimmed), read again whenever the file changes, so
   * that another process (a test, an operator) rotates or expires it by replacing the file. A
   * missing or unreadable file accepts nothing. Replace it atomically: write a new file, then
   * rename it over the old one.
   */
  public static Supplier<@Nullable String> tokenFile(Path file) {
    return new TokenFile(requireNonNull(file, "file == null"));
  }

  private static final class TokenFile implements Supplier<@Nullable String> {
    private final Path file;
    private @Nullable Object version;
    private @Nullable String token;
    private boolean refusing;

    TokenFile(Path file) {
      this.file = file;
    }

    @Override
    public synchronized @Nullable String get() {
      BasicFileAttributes attributes;
      try {
        attributes = Files.readAttributes(file, BasicFileAttributes.class);
      } catch (IOException e) {
        forget("missing");
        return null;
      }
      // A rename brings a new inode, a rewrite a new time or size: any of them means re-read.
      Object current =
          java.util.List.of(
              attributes.lastModifiedTime(),
              attributes.size(),
              Objects.toString(attributes.fileKey()));
      if (!current.equals(version)) {
        try {
          token = Files.readString(file, StandardCharsets.UTF_8).trim();
          version = current;
          refusing = false;
        } catch (IOException e) {
          forget("unreadable");
          return null;
        }
      }
      return token;
    }

    private void forget(String why) {
      if (!refusing) {
        log.warn("bearer token file {} is {}: refusing every request", file, why);
        refusing = true;
      }
      version = null;
      token = null;
    }
  }
}

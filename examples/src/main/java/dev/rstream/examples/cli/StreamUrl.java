package dev.rstream.examples.cli;

import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Parameters;

/** The state stream's URL, every subcommand's first parameter, as a picocli mixin. */
final class StreamUrl {
  @Parameters(
      index = "0",
      paramLabel = "URL",
      description = "The state stream, e.g. http://127.0.0.1:4437/v1/stream/orders")
  @Nullable String url;

  /**
   * The URL as given, once checked.
   *
   * @throws CliFailure with {@link ExitCode#BAD_URL} if the URL is not an http(s) URL.
   */
  String checked() {
    String text = url == null ? "" : url;
    if (HttpUrl.parse(text) == null) {
      throw new CliFailure(
          ExitCode.BAD_URL, "malformed URL: '" + text + "' (want http(s)://host[:port]/path)");
    }
    return text;
  }
}

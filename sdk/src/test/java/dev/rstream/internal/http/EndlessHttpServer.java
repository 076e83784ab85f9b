package dev.rstream.internal.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;

/**
 * A hostile HTTP/1.1 server on a raw socket: every request gets {@code head} (status line and
 * headers, without the blank line), then a close-delimited body of {@code prefix} followed by
 * {@code repeated} forever, until the client hangs up. MockWebServer holds a body whole in memory,
 * which an endless body cannot be.
 */
final class EndlessHttpServer implements AutoCloseable {
  private final ServerSocket socket;
  private final Thread acceptor;
  private final byte[] response;
  private final byte[] repeated;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicLong bytesSent = new AtomicLong();

  EndlessHttpServer(String head, String prefix, String repeated) throws IOException {
    this.response =
        (head + "\r\nConnection: close\r\n\r\n" + prefix).getBytes(StandardCharsets.UTF_8);
    StringBuilder chunk = new StringBuilder();
    while (chunk.length() < 64 * 1024) chunk.append(repeated);
    this.repeated = chunk.toString().getBytes(StandardCharsets.UTF_8);
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptAll, "endless-http-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  HttpUrl url(String path) {
    return new HttpUrl.Builder()
        .scheme("http")
        .host(socket.getInetAddress().getHostAddress())
        .port(socket.getLocalPort())
        .encodedPath(path)
        .build();
  }

  private void acceptAll() {
    while (!socket.isClosed()) {
      Socket client;
      try {
        client = socket.accept();
      } catch (IOException e) {
        return;
      }
      Thread serving = new Thread(() -> serve(client), "endless-http-connection");
      serving.setDaemon(true);
      serving.start();
    }
  }

  private void serve(Socket client) {
    try (Socket s = client) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      int matched = 0;
      while (matched < 4) { // the request ends at its blank line (GET, no body)
        int b = in.read();
        if (b < 0) return;
        matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      requests.incrementAndGet();
      OutputStream out = s.getOutputStream();
      out.write(response);
      while (true) {
        out.write(repeated);
        bytesSent.addAndGet(repeated.length);
      }
    } catch (IOException e) {
      // The client hung up: that is how every exchange ends.
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

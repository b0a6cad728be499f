package dev.modelmux.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** One blocking TCP connection for bytes no HTTP client would send: malformed requests, half-sent headers, silence. */
public final class RawHttp implements AutoCloseable {
  private final Socket socket;

  public RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(5000);
  }

  public RawHttp send(String bytes) throws IOException {
    socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return this;
  }

  /** Everything the server sends until it closes the connection; fails if it keeps it open past the socket timeout. */
  public String readUntilClosed() throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] chunk = new byte[8192];
    try {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        all.write(chunk, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server kept the connection open; it sent: " + all.toString(StandardCharsets.ISO_8859_1));
    } catch (IOException reset) {
      // a reset after the response is still a closed connection
    }
    return all.toString(StandardCharsets.ISO_8859_1);
  }

  /** One response that carries a Content-Length, leaving the connection open. */
  public String readResponse() throws IOException {
    InputStream in = socket.getInputStream();
    String head = readHead();
    int length = head.lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
        .map(l -> Integer.parseInt(l.substring(15).trim())).findFirst().orElseThrow();
    return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  /** Closes the sending half only (a FIN): the client says it has nothing more to send, and still reads. */
  public RawHttp halfClose() throws IOException {
    socket.shutdownOutput();
    return this;
  }

  /** A response's status line and headers (an interim 100 Continue, say), up to and including the empty line. */
  public String readHead() throws IOException {
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new AssertionError("closed mid-response: " + head);
      }
      head.append((char) c);
    }
    return head.toString();
  }

  public void setTimeoutMs(int ms) throws IOException {
    socket.setSoTimeout(ms);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

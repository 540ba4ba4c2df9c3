package dev.rapport.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Network trouble between two services, as a TCP proxy in front of one of them: it forwards every byte both ways
 * until told to stall (every byte held where it is, connections left open: a peer that stops answering) or to cut
 * (every connection reset at once; new ones are forwarded again).
 */
final class TcpProxy implements AutoCloseable {
    private final ServerSocket listening;
    private final int target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private boolean stalled; // guarded by gate

    TcpProxy(int target) throws IOException {
        this.target = target;
        this.listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    int port() {
        return listening.getLocalPort();
    }

    /** Holds every byte from now on, in both directions, on every connection. */
    void stall() {
        synchronized (gate) {
            stalled = true;
        }
    }

    /** Resets every connection (what was held is lost) and forwards again. */
    void cut() {
        for (Socket socket : sockets) {
            try {
                socket.setSoLinger(true, 0);
                socket.close();
            } catch (IOException ignored) {
                // closed already
            }
        }
        sockets.clear();
        synchronized (gate) {
            stalled = false;
            gate.notifyAll();
        }
    }

    @Override
    public void close() throws IOException {
        listening.close();
        cut();
    }

    private void accept() {
        while (!listening.isClosed()) {
            Socket caller;
            try {
                caller = listening.accept();
            } catch (IOException e) {
                return; // the proxy closed
            }
            Socket service = new Socket();
            try {
                service.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 2_000);
            } catch (IOException e) {
                closeQuietly(caller); // the service refused: so does the proxy
                continue;
            }
            sockets.add(caller);
            sockets.add(service);
            Thread.ofVirtual().start(() -> pump(caller, service));
            Thread.ofVirtual().start(() -> pump(service, caller));
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                synchronized (gate) {
                    while (stalled) {
                        gate.wait();
                    }
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // cut, or one side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closed already
        }
    }
}

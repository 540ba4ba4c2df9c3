package dev.rapport.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.MetadataUtils;

/** What every benchmark against the suite shares: the gateway and the demo's tokens. */
final class Report {
    private static final String TOKEN_URL = "http://localhost:8180/realms/rapport/protocol/openid-connect/token";

    private Report() {
    }

    /** A plaintext channel to the gateway (-Drapport.gateway, default 127.0.0.1:8080). */
    static ManagedChannel gateway() {
        return ManagedChannelBuilder.forTarget(System.getProperty("rapport.gateway", "127.0.0.1:8080")).usePlaintext().build();
    }

    /** Attaches the demo partner app's access token to every call. */
    static ClientInterceptor asPartner() throws IOException, InterruptedException {
        return bearer("grant_type=client_credentials&client_id=demo-partner&client_secret=demo-partner-secret");
    }

    /** Attaches the demo marketer's access token to every call. */
    static ClientInterceptor asMarketer() throws IOException, InterruptedException {
        return bearer("grant_type=password&client_id=rapport-web&username=demo-marketer&password=demo");
    }

    /** Keycloak's tokens last 5 minutes and a benchmark may run longer: each call carries one fetched at most 4 minutes ago. */
    private static final long RENEW_AFTER_NANOS = TimeUnit.MINUTES.toNanos(4);

    private static ClientInterceptor bearer(String form) throws IOException, InterruptedException {
        String first = token(form);
        return new ClientInterceptor() {
            private String token = first;
            private long fetched = System.nanoTime();

            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
                Metadata auth = new Metadata();
                auth.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + current());
                return MetadataUtils.newAttachHeadersInterceptor(auth).interceptCall(method, options, next);
            }

            private synchronized String current() {
                if (System.nanoTime() - fetched > RENEW_AFTER_NANOS) {
                    try {
                        token = token(form);
                        fetched = System.nanoTime();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while renewing a token", e);
                    }
                }
                return token;
            }
        };
    }

    private static String token(String form) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(TOKEN_URL))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build(), HttpResponse.BodyHandlers.ofString());
        Matcher token = Pattern.compile("\"access_token\":\"([^\"]+)\"").matcher(response.body());
        if (!token.find()) {
            throw new IllegalStateException("no token from Keycloak: " + response.body());
        }
        return token.group(1);
    }
}

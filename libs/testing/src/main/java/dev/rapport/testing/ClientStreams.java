package dev.rapport.testing;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.grpc.stub.StreamObserver;

/** Drives a gRPC client-streaming call from plain code: send every request, get the one answer as a future. */
public final class ClientStreams {
    private ClientStreams() {
    }

    /**
     * @param call     the async stub's method, e.g. {@code stub::recordEvents}
     * @param requests what to stream; the stream is closed after the last
     */
    public static <Q, R> CompletableFuture<R> send(Function<StreamObserver<R>, StreamObserver<Q>> call, Iterable<Q> requests) {
        CompletableFuture<R> answer = new CompletableFuture<>();
        StreamObserver<Q> stream = call.apply(new StreamObserver<>() {
            @Override
            public void onNext(R response) {
                answer.complete(response);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                // the answer came with onNext
            }
        });
        requests.forEach(stream::onNext);
        stream.onCompleted();
        return answer;
    }

    /** A bidirectional stream: sends every request, then answers with every response, in arrival order. */
    public static <Q, R> CompletableFuture<java.util.List<R>> exchange(Function<StreamObserver<R>, StreamObserver<Q>> call, Iterable<Q> requests) {
        CompletableFuture<java.util.List<R>> answers = new CompletableFuture<>();
        java.util.List<R> received = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        StreamObserver<Q> stream = call.apply(new StreamObserver<>() {
            @Override
            public void onNext(R response) {
                received.add(response);
            }

            @Override
            public void onError(Throwable t) {
                answers.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                answers.complete(java.util.List.copyOf(received));
            }
        });
        requests.forEach(stream::onNext);
        stream.onCompleted();
        return answers;
    }
}

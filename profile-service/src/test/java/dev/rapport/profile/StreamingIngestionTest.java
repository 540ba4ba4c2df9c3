package dev.rapport.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.rpc.BadRequest;

import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.ProfileServiceGrpc;
import dev.rapport.proto.profile.v1.RecordEventBatchRequest;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.proto.profile.v1.RecordEventsResponse;
import dev.rapport.testing.ClientStreams;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class StreamingIngestionTest {
    @Inject
    Pool pool;

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = TestChannels.toServiceUnderTest();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestChannels.close(channel);
    }

    @Test
    void aStreamIsStoredWholeAndARepeatedStreamChangesNothing() throws Exception {
        String run = UUID.randomUUID().toString();
        List<RecordEventRequest> requests = events(run, 5000);

        RecordEventsResponse first = send(requests).get(60, TimeUnit.SECONDS);
        RecordEventsResponse again = send(requests).get(60, TimeUnit.SECONDS);

        assertEquals(RecordEventsResponse.newBuilder().setRecorded(5000).build(), first);
        assertEquals(RecordEventsResponse.newBuilder().setDuplicates(5000).build(), again);
        assertEquals(5000L, stored(run));
    }

    @Test
    void aBidirectionalStreamAcknowledgesEachEventOnceWithItsId() throws Exception {
        String run = UUID.randomUUID().toString();
        List<RecordEventRequest> requests = new java.util.ArrayList<>(events(run, 2000));
        requests.addAll(requests.subList(0, 100)); // sent twice in the same stream

        List<RecordEventResponse> answers = ClientStreams.exchange(ProfileServiceGrpc.newStub(channel)::recordEventStream, requests)
                .get(60, TimeUnit.SECONDS);

        assertEquals(2100, answers.size(), "one answer per event sent");
        assertEquals(2000, answers.stream().filter(a -> !a.getDuplicate()).map(RecordEventResponse::getEventId).distinct().count());
        assertEquals(100, answers.stream().filter(RecordEventResponse::getDuplicate).count());
        assertEquals(2000L, stored(run));
    }

    @Test
    void aBatchWithBadEventsNamesEachAndStoresNoneOfIt() throws Exception {
        String run = UUID.randomUUID().toString();
        List<RecordEventRequest> requests = new java.util.ArrayList<>(events(run, 20));
        requests.set(3, requests.get(3).toBuilder().setEvent(requests.get(3).getEvent().toBuilder().setName("")).build());
        requests.set(11, requests.get(11).toBuilder().setIdentifier(Identifier.newBuilder().setValue("no-type")).build());
        var profiles = ProfileServiceGrpc.newBlockingStub(channel);

        StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> profiles.recordEventBatch(RecordEventBatchRequest.newBuilder().addAllRequests(requests).build()));
        assertEquals(List.of("requests[3].event.name", "requests[11].identifier.type"), dev.rapport.testing.GrpcFailures.badRequestFields(refused));
        assertEquals(0L, stored(run));

        List<RecordEventRequest> fixed = events(run, 20);
        var answers = profiles.recordEventBatch(RecordEventBatchRequest.newBuilder().addAllRequests(fixed).addRequests(fixed.get(0)).build());
        assertEquals(fixed.stream().map(r -> r.getEvent().getId()).toList(),
                answers.getResultsList().subList(0, 20).stream().map(RecordEventResponse::getEventId).toList(), "answers in request order");
        assertTrue(answers.getResults(20).getDuplicate());
        assertEquals(20L, stored(run));
    }

    @Test
    void theFirstInvalidEventEndsTheStreamNamingItsIndex() throws Exception {
        String run = UUID.randomUUID().toString();
        List<RecordEventRequest> requests = new java.util.ArrayList<>(events(run, 10));
        requests.set(7, requests.get(7).toBuilder().setEvent(requests.get(7).getEvent().toBuilder().setName("")).build());

        var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> send(requests).get(30, TimeUnit.SECONDS));

        StatusRuntimeException status = assertInstanceOf(StatusRuntimeException.class, failure.getCause());
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getStatus().getCode());
        BadRequest details = StatusProto.fromThrowable(status).getDetails(0).unpack(BadRequest.class);
        assertEquals("requests[7].event.name", details.getFieldViolations(0).getField());
    }

    private CompletableFuture<RecordEventsResponse> send(List<RecordEventRequest> requests) {
        return ClientStreams.send(ProfileServiceGrpc.newStub(channel)::recordEvents, requests);
    }

    private long stored(String run) {
        return pool.preparedQuery("SELECT count(*) FROM event WHERE id LIKE $1").execute(Tuple.of(run + "-%"))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }

    private static List<RecordEventRequest> events(String run, int count) {
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.DEVICE_ID).setValue(run + "-device-" + (i % 250)))
                .setEvent(Event.newBuilder().setId(run + "-" + i).setName("screen_viewed"))
                .build()).toList();
    }
}

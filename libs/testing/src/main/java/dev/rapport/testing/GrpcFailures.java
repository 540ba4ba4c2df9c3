package dev.rapport.testing;

import java.util.List;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;

import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/** What a refused gRPC call said: the fields its {@code google.rpc.BadRequest} details name. */
public final class GrpcFailures {
    private GrpcFailures() {
    }

    public static List<String> badRequestFields(StatusRuntimeException failure) {
        com.google.rpc.Status status = StatusProto.fromThrowable(failure);
        if (status == null) {
            return List.of();
        }
        return status.getDetailsList().stream().filter(any -> any.is(BadRequest.class)).flatMap(any -> {
            try {
                return any.unpack(BadRequest.class).getFieldViolationsList().stream();
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
        }).map(BadRequest.FieldViolation::getField).toList();
    }
}

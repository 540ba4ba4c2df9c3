package dev.rapport.runtime.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyReader;
import jakarta.ws.rs.ext.MessageBodyWriter;
import jakarta.ws.rs.ext.Provider;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.runtime.error.InvalidInput;

/**
 * REST bodies are the gRPC messages in the protobuf JSON mapping, so REST and gRPC callers see one model. Reading
 * rejects unknown fields: a misspelt field is a client error, not silently ignored.
 */
@Provider
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ProtoJson implements MessageBodyReader<Message>, MessageBodyWriter<Message> {
    static final int MAX_BODY_BYTES = 1 << 20;
    // Every scalar is written, false and 0 included: a REST client reading "granted" or "duplicate" must not have to
    // know that protobuf JSON leaves defaults out.
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();

    @Override
    public boolean isReadable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return Message.class.isAssignableFrom(type);
    }

    @Override
    public Message readFrom(Class<Message> type, Type genericType, Annotation[] annotations, MediaType mediaType,
            MultivaluedMap<String, String> headers, InputStream body) throws IOException {
        byte[] bytes = body.readNBytes(MAX_BODY_BYTES + 1);
        if (bytes.length > MAX_BODY_BYTES) {
            throw new InvalidInput("body", "at most " + MAX_BODY_BYTES + " bytes");
        }
        try {
            Message.Builder builder = (Message.Builder) type.getMethod("newBuilder").invoke(null);
            PARSER.merge(new String(bytes, StandardCharsets.UTF_8), builder);
            return builder.build();
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new InvalidInput("body", "not a valid " + type.getSimpleName() + " in JSON: " + firstLine(e.getMessage()));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return Message.class.isAssignableFrom(type);
    }

    @Override
    public void writeTo(Message message, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
            MultivaluedMap<String, Object> headers, OutputStream out) throws IOException {
        out.write(PRINTER.print(message).getBytes(StandardCharsets.UTF_8));
    }

    private static final java.util.regex.Pattern JAVA_NAME = java.util.regex.Pattern.compile("(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error):\\s*");

    private static String firstLine(String text) {
        if (text == null) {
            return "unreadable";
        }
        // the parser's words, without the class names of the exceptions it wraps (nothing of our internals in an answer)
        String line = JAVA_NAME.matcher(text.lines().findFirst().orElse(text)).replaceAll("").strip();
        return line.length() > 200 ? line.substring(0, 200) : line.isEmpty() ? "unreadable" : line;
    }
}

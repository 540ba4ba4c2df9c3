package dev.rapport.runtime.rest;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;

import org.junit.jupiter.api.Tag;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.Struct;

import dev.rapport.runtime.error.InvalidInput;

/** Any bytes as a REST body: the message, or a 400 naming the body in the parser's words; nothing else, never a hang. */
@Tag("fuzz")
class ProtoJsonFuzzTest {
    private static final java.util.regex.Pattern JAVA_CLASS = java.util.regex.Pattern.compile("\\b(?:[a-z_]\\w*\\.)+[A-Z]\\w*(?:Exception|Error)\\b");

    @FuzzTest(maxDuration = "15s")
    @SuppressWarnings({ "unchecked", "rawtypes" })
    void anyBodyIsTheMessageOrABadRequest(FuzzedDataProvider data) throws Exception {
        byte[] body = data.consumeRemainingAsBytes();
        try {
            new ProtoJson().readFrom((Class) Struct.class, Struct.class, new java.lang.annotation.Annotation[0], null, null,
                    new ByteArrayInputStream(body));
        } catch (InvalidInput refused) {
            // the parser's words (the input it quotes is the caller's own), never the name of a Java class
            String description = refused.violations().get(0).description();
            assertFalse(JAVA_CLASS.matcher(description.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"…\"")).find(), description);
        }
    }
}

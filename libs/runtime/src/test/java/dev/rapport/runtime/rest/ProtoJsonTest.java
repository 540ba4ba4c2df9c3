package dev.rapport.runtime.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Message;
import com.google.protobuf.Struct;

import dev.rapport.runtime.error.InvalidInput;

/** A body that is not the message names the body and says what is wrong in the parser's words, never with Java's. */
class ProtoJsonTest {
    @Test
    void brokenJsonIsRefusedWithoutTheNamesOfJavaClasses() {
        for (String body : new String[] { "{\"fields\": ", "{\"a\": }", "[1, 2", "\"\\uZZZZ\"" }) {
            InvalidInput refused = assertThrows(InvalidInput.class, () -> read(body), body);
            String description = refused.violations().get(0).description();
            assertEquals("body", refused.violations().get(0).field());
            assertTrue(description.startsWith("not a valid Struct in JSON: "), description);
            assertFalse(description.matches("(?s).*(Exception|Error|java\\.|com\\.google).*"), description);
        }
    }

    @Test
    void aValidBodyIsTheMessage() throws Exception {
        Message read = read("{\"a\": 1}");
        assertEquals(1.0, ((Struct) read).getFieldsOrThrow("a").getNumberValue());
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static Message read(String body) throws Exception {
        return new ProtoJson().readFrom((Class) Struct.class, Struct.class, new java.lang.annotation.Annotation[0], null, null,
                new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
    }
}

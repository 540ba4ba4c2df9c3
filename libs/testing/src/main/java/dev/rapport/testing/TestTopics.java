package dev.rapport.testing;

import org.eclipse.microprofile.config.ConfigProvider;

/** The name a topic has in the running test: each test run has its own (rapport.topic-prefix). */
public final class TestTopics {
    private TestTopics() {
    }

    public static String of(String topic) {
        return ConfigProvider.getConfig().getOptionalValue("rapport.topic-prefix", String.class).orElse("") + topic;
    }
}

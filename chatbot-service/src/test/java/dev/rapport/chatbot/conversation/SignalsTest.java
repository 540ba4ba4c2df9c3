package dev.rapport.chatbot.conversation;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The phrases the dialogue acts on, and the ordinary questions it must not mistake for them. */
class SignalsTest {

    @Test
    void ordinaryQuestionsAreNotSignals() {
        for (String question : List.of("No card arrived in the post", "Where is my order?", "How do I get a refund?",
                "Nobody delivered my food", "배달이 늦어요", "¿Dónde está mi pedido?", "On és la meva comanda?",
                "Can I pay with a human resources voucher? no idea")) {
            assertFalse(Signals.notHelped(question), question);
            assertFalse(Signals.frustrated(question), question);
            assertFalse(Signals.helped(question), question);
        }
    }

    @Test
    void afterAnAnswerTheCustomerSaysWhetherItHelped() {
        for (String no : List.of("no", "No, that's not it", "that didn't help", "none of these", "도움이 안 돼요", "아니요",
                "eso no me ayuda", "no m'ha ajudat")) {
            assertTrue(Signals.notHelped(no), no);
            assertFalse(Signals.helped(no), no);
        }
        for (String yes : List.of("Thanks!", "thank you, that helped", "감사합니다", "gracias", "gràcies")) {
            assertTrue(Signals.helped(yes), yes);
        }
    }
}

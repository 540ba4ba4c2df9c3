package dev.rapport.gateway.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.rapport.proto.chat.v1.ImportArticlesRequest;
import dev.rapport.runtime.error.InvalidInput;

/** Help centres arrive as CSV from spreadsheets: quoted fields over several lines, a byte-order mark, mistakes. */
class ArticleCsvTest {

    @Test
    void aSpreadsheetExportWithABomAndQuestionsOnSeveralLinesIsRead() {
        ImportArticlesRequest request = KnowledgeOperations.fromCsv("\uFEFFkey,language,title,body,example_questions\r\n"
                + "late,en,Where is my order?,\"Track it, live.\",\"My food has not arrived\r\nThe delivery is late\r\n\"\r\n"
                + "\r\n"
                + "refund,ko,환불 받기,\"He said \"\"soon\"\"\",환불하고 싶어요\r\n");
        assertEquals(2, request.getArticlesCount());
        assertEquals("Track it, live.", request.getArticles(0).getBody());
        assertEquals(List.of("My food has not arrived", "The delivery is late"), request.getArticles(0).getExampleQuestionsList());
        assertEquals("He said \"soon\"", request.getArticles(1).getBody());
        assertEquals("ko", request.getArticles(1).getLanguage());
    }

    @Test
    void anOptionalTopicColumnSaysWhichTeamTakesWhatFollowsTheArticle() {
        ImportArticlesRequest request = KnowledgeOperations.fromCsv("key,language,title,body,example_questions,topic\n"
                + "refund,en,Getting a refund,Five days.,I want my money back,billing\n"
                + "late,en,Where is my order?,Track it.,Where is my food?,\n");
        assertEquals("billing", request.getArticles(0).getTopic());
        assertEquals("", request.getArticles(1).getTopic());
        InvalidInput other = assertThrows(InvalidInput.class, () -> KnowledgeOperations.fromCsv(
                "key,language,title,body,example_questions,team\nrefund,en,Refund,Body,q,billing\n"));
        assertEquals("csv", other.violations().get(0).field());
    }

    @Test
    void aBrokenFileIsRefusedWithWhereItBroke() {
        InvalidInput header = assertThrows(InvalidInput.class, () -> KnowledgeOperations.fromCsv("title,body\nx,y\n"));
        assertEquals("csv", header.violations().get(0).field());

        InvalidInput unclosed = assertThrows(InvalidInput.class, () -> KnowledgeOperations.fromCsv(
                "key,language,title,body,example_questions\nlate,en,Where?,\"never closed,q\nrefund,en,Refund,Body,q\n"));
        assertEquals("csv", unclosed.violations().get(0).field());
        assertEquals("the quoted field opened on line 2 is never closed", unclosed.violations().get(0).description());

        InvalidInput short_ = assertThrows(InvalidInput.class, () -> KnowledgeOperations.fromCsv(
                "key,language,title,body,example_questions\nlate,en,Where?,Body,q\nrefund,en,Refund\n"));
        assertEquals("articles[1]", short_.violations().get(0).field());
    }
}

package dev.rapport.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static dev.rapport.e2e.Browsers.bot;
import static dev.rapport.e2e.Browsers.quickReply;
import static dev.rapport.e2e.Browsers.screenshot;
import static dev.rapport.e2e.Browsers.send;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;

import dev.rapport.testing.Tokens;

/**
 * The chat as people meet it: the widget on the demo page and the agent console, in headless Chromium (Playwright)
 * against the running suite. Customers and agents are separate browser contexts (separate storage and cookies).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(RunningSuite.class)
class ChatInTheBrowserTest {
    private static final String SITE = Browsers.SITE;
    private static final String QUESTION = "My voucher code is not accepted at checkout";

    private static Browsers browsers;
    private BrowserContext customer;
    private BrowserContext agent;

    @BeforeAll
    static void startBrowser() {
        importHelpCentre();
        browsers = Browsers.launch();
    }

    @AfterAll
    static void stopBrowser() {
        if (browsers != null) {
            browsers.close();
        }
    }

    @BeforeEach
    void newPeople() {
        customer = browsers.person();
        agent = browsers.person();
    }

    @AfterEach
    void closePeople() {
        customer.close();
        agent.close();
    }

    @Test
    @Order(1)
    void aCustomerSeesSuggestionsWhileTypingAndGetsTheRightArticle() {
        Page page = chatPage();
        Locator input = page.getByLabel("Your message");
        input.pressSequentially("voucher code not accep", new Locator.PressSequentiallyOptions().setDelay(20));
        Locator suggestion = page.locator("#rapport-chat .suggestions button", new Page.LocatorOptions().setHasText("Using a voucher"));
        assertThat(suggestion).isVisible(); // before anything was sent

        input.fill("");
        input.fill(QUESTION);
        input.press("Enter");
        assertThat(page.locator("#rapport-chat li.CUSTOMER")).hasText(QUESTION);
        assertThat(bot(page).last()).containsText("expired vouchers");
        assertThat(page.locator("#rapport-chat .suggestions button")).hasCount(0);
    }

    @Test
    @Order(2)
    void aCustomerAsksForAPersonAnAgentAcceptsInTheConsoleTheyTalkLiveTheBotStaysSilentAndTheCustomerRatesIt() {
        Page chat = chatPage();
        String asked = "I was charged twice, I want to talk to a person " + UUID.randomUUID().toString().substring(0, 6);
        send(chat, asked);
        // what it is about and how urgent: one click each
        assertThat(bot(chat).last()).containsText("what is it about?");
        quickReply(chat, "Billing and payments");
        assertThat(bot(chat).last()).containsText("how urgent is it?");
        quickReply(chat, "It can't wait");
        assertThat(bot(chat).last()).containsText("in the queue");

        Page console = signedInConsole();
        Locator waiting = console.locator("#queue [data-team=billing] article", new Page.LocatorOptions().setHasText(asked));
        assertThat(waiting.locator(".packet")).containsText("asked for a person");
        assertThat(waiting.locator(".routing")).hasText("Team: billing (by topic) · about: billing · urgent");
        waiting.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Accept")).click();

        Locator conversation = console.locator("#conversations article.conversation", new Page.LocatorOptions().setHasText(asked));
        assertThat(conversation.locator(".packet .said")).containsText(asked); // the handoff packet on top
        assertThat(bot(chat).last()).containsText("has joined");
        int botLines = bot(chat).count();

        conversation.getByLabel("Reply").fill("Sorry about that! I'm refunding the second charge now.");
        conversation.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Send")).click();
        assertThat(chat.locator("#rapport-chat li.AGENT")).hasText("Sorry about that! I'm refunding the second charge now.");

        send(chat, "Thank you, that was order 5521");
        assertThat(conversation.locator("li.CUSTOMER").last()).hasText("Thank you, that was order 5521");
        chat.waitForTimeout(1_000); // time for a wrong bot reply to show, had there been one
        assertEquals(botLines, bot(chat).count(), "a person holds the conversation: the bot says nothing");

        // passed to another team with a note, taken there (here by the same agent) with the note on top
        conversation.getByLabel("Transfer to team").selectOption("delivery");
        conversation.getByLabel("Note for the next agent").fill("Refunded; they also ask where order 5521 is");
        conversation.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Transfer")).click();
        assertThat(conversation.locator(".ended")).hasText("Transferred to delivery.");
        assertThat(bot(chat).last()).containsText("passing you to our Orders and delivery team");
        Locator passed = console.locator("#queue [data-team=delivery] article", new Page.LocatorOptions().setHasText(asked));
        assertThat(passed.locator(".note")).hasText("Transfer note: Refunded; they also ask where order 5521 is");
        passed.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Accept")).click();
        assertThat(conversation.locator(".routing")).containsText("Team: delivery (by transfer)");
        assertThat(bot(chat).last()).containsText("has joined");
        botLines = bot(chat).count();

        conversation.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Resolve")).click();
        assertThat(conversation.locator(".ended")).containsText("Resolved");
        chat.getByLabel("Anything to add?").fill("quick and kind");
        chat.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Rate 5 of 5")).click();
        assertThat(chat.locator("#rapport-chat li.notice").last()).hasText("Thank you for your rating.");
        assertEquals(botLines, bot(chat).count() - 1, "only the survey's request was added by the bot");
        screenshot(console, "agent-console");
        screenshot(chat, "chat-widget");
    }

    @Test
    @Order(3)
    void outsideOpeningHoursTheBotSaysSoKeepsHelpingAndTheCustomersContactWaitsAsATicket() {
        Suite.restartChatbot(Map.of("RAPPORT_SUPPORT_HOURS", "never"));
        try {
            Page chat = chatPage();
            send(chat, "Can I talk to a human please");
            quickReply(chat, "Something else");
            quickReply(chat, "No rush");
            assertThat(bot(chat).last()).containsText("No one from our team is available right now");
            send(chat, QUESTION);
            assertThat(bot(chat).last()).containsText("expired vouchers"); // it keeps helping
            String email = "erin-" + UUID.randomUUID().toString().substring(0, 6) + "@example.com";
            send(chat, "You can reach me at " + email);
            assertThat(bot(chat).last()).containsText("We'll get back to you at " + email);

            Page console = signedInConsole();
            Locator ticket = console.locator("#queue article", new Page.LocatorOptions().setHasText(email));
            assertThat(ticket.locator(".packet")).containsText("ticket (outside opening hours)");
            assertThat(ticket.locator(".contact")).hasText("Contact: " + email);
            screenshot(console, "agent-console-ticket");
        } finally {
            Suite.restartChatbot(Map.of());
        }
    }

    private Page chatPage() {
        return Browsers.chat(customer, "en", "not a person");
    }

    private Page signedInConsole() {
        return Browsers.signedInConsole(agent, "demo-agent");
    }

    private static void importHelpCentre() {
        io.restassured.RestAssured.given().baseUri(SITE).auth().oauth2(Tokens.person("demo-agent")).contentType("application/json")
                .body("{\"articles\": [{\"key\": \"e2e-voucher\", \"language\": \"en\", \"title\": \"Using a voucher\", "
                        + "\"body\": \"Enter the code at checkout before paying; expired vouchers and vouchers for another city are refused.\", "
                        + "\"exampleQuestions\": [\"My voucher code is not accepted\", \"How do I use a voucher?\", \"The promo code doesn't work\", "
                        + "\"Where do I enter a discount code?\", \"My coupon was refused\", \"Voucher not working\", \"Apply a promo code\", "
                        + "\"Discount code invalid\", \"Can I use two vouchers?\", \"My gift voucher is rejected at checkout\"]}]}")
                .post("/api/v1/articles/import").then().statusCode(200);
        // every replica's search index follows the knowledge base within seconds
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).untilAsserted(() ->
                io.restassured.RestAssured.given().baseUri(SITE).auth().oauth2(Tokens.person("demo-customer"))
                        .queryParam("q", QUESTION).queryParam("language", "en").get("/api/v1/articles/search").then().statusCode(200)
                        .body("matches[0].title", org.hamcrest.Matchers.equalTo("Using a voucher")));
    }
}

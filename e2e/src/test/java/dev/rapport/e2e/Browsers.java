package dev.rapport.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import java.util.List;
import java.util.Map;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;

/**
 * Headless Chromium (the machine's, never one Playwright downloads) and what people do in the suite's pages: the chat
 * widget on the demo page, the agent console signed in through Keycloak's own page.
 */
final class Browsers implements AutoCloseable {
    static final String SITE = "http://127.0.0.1:" + Suite.GATEWAY;

    private final Playwright playwright;
    private final Browser browser;

    private Browsers(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    static Browsers launch() {
        Keycloak.allowWebOrigin(SITE);
        Playwright playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(Suite.chromium()).setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync")));
        PlaywrightAssertions.setDefaultAssertionTimeout(20_000);
        return new Browsers(playwright, browser);
    }

    /** A person of their own: separate storage and cookies. */
    BrowserContext person() {
        return browser.newContext();
    }

    @Override
    public void close() {
        playwright.close();
    }

    /** The demo page's chat in a language ("en", "ko", ...), once the bot has said it is a bot. */
    static Page chat(BrowserContext person, String language, String botSays) {
        Page page = person.newPage();
        page.navigate(SITE + "/chat/?lang=" + language);
        assertThat(bot(page).first()).containsText(botSays);
        return page;
    }

    /** The agent console, signed in through Keycloak's own sign-in page. */
    static Page signedInConsole(BrowserContext agent, String user) {
        Page page = agent.newPage();
        page.navigate(SITE + "/agent/");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
        page.locator("#username").fill(user);
        page.locator("#password").fill("demo");
        page.locator("#kc-login").click();
        assertThat(page.locator("#agent")).hasText(user);
        return page;
    }

    /** The chat's input, whatever the widget's language calls it. */
    static Locator input(Page page) {
        return page.locator("#rapport-chat input[name=text]");
    }

    static void send(Page page, String text) {
        input(page).fill(text);
        input(page).press("Enter");
    }

    static Locator bot(Page page) {
        return page.locator("#rapport-chat li.BOT");
    }

    static Locator suggestions(Page page) {
        return page.locator("#rapport-chat .suggestions button");
    }

    /** Clicks one of the answers the bot's last question offers. */
    static void quickReply(Page page, String answer) {
        bot(page).last().getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName(answer)).click();
    }

    /** What the people saw, kept beside the test reports (e2e/target/screenshots). */
    static void screenshot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(java.nio.file.Path.of("target", "screenshots", name + ".png")).setFullPage(true));
    }
}

package dev.rapport.campaign.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Where connected content may come from: allowed hosts by name, public addresses only, https. */
class FetchPolicyTest {
    private final FetchPolicy production = new FetchPolicy(List.of("recs.example.com", "*.cdn.example.net"), false);

    @Test
    void onlyHttpsToAnAllowedHostWithoutUserInformation() {
        assertEquals(Optional.empty(), production.refusal(URI.create("https://recs.example.com/v1/people/42?lang=en")));
        assertEquals(Optional.empty(), production.refusal(URI.create("https://eu.cdn.example.net/menu.json")));
        assertEquals(Optional.of("only https"), production.refusal(URI.create("http://recs.example.com/v1")));
        assertTrue(production.refusal(URI.create("https://cdn.example.net/x")).isPresent(), "the wildcard is for subdomains");
        assertTrue(production.refusal(URI.create("https://recs.example.com.evil.org/x")).isPresent());
        assertTrue(production.refusal(URI.create("https://user:pw@recs.example.com/x")).isPresent());
        assertTrue(production.refusal(URI.create("https://169.254.169.254/latest/meta-data/")).isPresent());
        assertTrue(new FetchPolicy(List.of(), false).refusal(URI.create("https://recs.example.com/")).isPresent(), "none allowed: off");
    }

    @Test
    void internalAddressesAreRefusedUnlessPrivateOnesAreAllowed() throws Exception {
        for (String internal : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                "198.18.0.1", "255.255.255.255", "::1", "fc00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
                // IPv4 inside IPv6: NAT64, 6to4, IPv4-compatible reach the IPv4 address; Teredo is refused
                "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "::a9fe:a9fe", "2001:0:4136:e378:8000:63bf:3fff:fdd2")) {
            assertTrue(production.refusal(InetAddress.getByName(internal)).isPresent(), internal);
            assertEquals(Optional.empty(), new FetchPolicy(List.of(), true).refusal(InetAddress.getByName(internal)), internal);
        }
        for (String external : List.of("93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808")) {
            assertEquals(Optional.empty(), production.refusal(InetAddress.getByName(external)), external);
        }
    }

    @Test
    void activationJudgesATemplateByItsWrittenSchemeAndHost() {
        assertEquals(Optional.empty(), production.refusalOfTemplate("https://recs.example.com/v1/{{ profile.id }}"));
        assertEquals(Optional.of("recs.example.com: only https"), production.refusalOfTemplate("http://recs.example.com/v1/{{ profile.id }}"));
        assertTrue(production.refusalOfTemplate("https://elsewhere.example.org/x").orElseThrow().startsWith("elsewhere.example.org: host"));
        FetchPolicy v6 = new FetchPolicy(List.of("2001:db8::1"), false);
        assertEquals(Optional.empty(), v6.refusalOfTemplate("https://[2001:db8::1]/x"));
        assertEquals(Optional.empty(), v6.refusal(URI.create("https://[2001:db8::1]/x")), "the same host when fetching");
    }

    @Test
    void aUrlTemplateMustWriteItsHostOut() {
        assertEquals(Optional.of("recs.example.com"), FetchPolicy.writtenHost("https://Recs.Example.com:8443/v1/{{ profile.id }}?lang={{ profile.language }}"));
        assertEquals(Optional.of("127.0.0.1"), FetchPolicy.writtenHost("http://127.0.0.1:9000"));
        assertFalse(FetchPolicy.writtenHost("https://{{ profile.host }}/x").isPresent());
        assertFalse(FetchPolicy.writtenHost("https://recs.example.com{{ profile.id }}/x").isPresent());
        assertFalse(FetchPolicy.writtenHost("file:///etc/passwd").isPresent());
        assertFalse(FetchPolicy.writtenHost("gopher://recs.example.com/x").isPresent());
    }
}

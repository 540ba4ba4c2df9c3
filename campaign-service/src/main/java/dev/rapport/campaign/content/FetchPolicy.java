package dev.rapport.campaign.content;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where connected content may come from (server-side request forgery is the risk: a template must never make the
 * service read its own network). A host must be allowed by name, every address it resolves to must be public unless
 * private ones are allowed, and the scheme https (http only together with private addresses, for a local source).
 */
public record FetchPolicy(List<String> allowedHosts, boolean allowPrivate) {
    public FetchPolicy {
        allowedHosts = allowedHosts.stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).toList();
    }

    /** Why this URL may not be fetched, judged by its name alone; empty when it may (its addresses are checked next). */
    public Optional<String> refusal(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(scheme.equals("http") && allowPrivate)) {
            return Optional.of("only https");
        }
        if (url.getHost() == null || url.getRawUserInfo() != null) {
            return Optional.of("a host, without user information");
        }
        if (!allowed(url.getHost().replaceAll("^\\[|\\]$", ""))) {
            return Optional.of("host " + url.getHost() + " is not in rapport.campaign.connected-content.allowed-hosts");
        }
        return Optional.empty();
    }

    private static final java.util.regex.Pattern WRITTEN_OUT = java.util.regex.Pattern.compile(
            "(?i)https?://([a-z0-9.-]+|\\[[0-9a-f:.]+\\])(?::\\d{1,5})?(?:[/?#].*)?", java.util.regex.Pattern.DOTALL);

    /** The host of a URL template, when it is written out (no Liquid before the path): else empty. */
    public static Optional<String> writtenHost(String urlTemplate) {
        java.util.regex.Matcher url = WRITTEN_OUT.matcher(urlTemplate);
        return url.matches() ? Optional.of(url.group(1).toLowerCase(Locale.ROOT).replaceAll("^\\[|\\]$", "")) : Optional.empty();
    }

    /** Why a source's URL template could never be fetched (judged by its written-out scheme and host); empty when it may. */
    public Optional<String> refusalOfTemplate(String urlTemplate) {
        Optional<String> host = writtenHost(urlTemplate);
        if (host.isEmpty()) {
            return Optional.of("its host is not written out");
        }
        String scheme = urlTemplate.substring(0, urlTemplate.indexOf("://")).toLowerCase(Locale.ROOT);
        String authority = host.get().contains(":") ? "[" + host.get() + "]" : host.get();
        return refusal(URI.create(scheme + "://" + authority + "/")).map(why -> host.get() + ": " + why);
    }

    public boolean allowed(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return allowedHosts.stream().anyMatch(a -> a.startsWith("*.") ? h.endsWith(a.substring(1)) && h.length() > a.length() - 1 : a.equals(h));
    }

    /** Why this address may not be connected to; empty when it may. */
    public Optional<String> refusal(InetAddress address) {
        if (allowPrivate || isPublic(address)) {
            return Optional.empty();
        }
        return Optional.of("it resolves to a private, loopback or otherwise internal address");
    }

    /** Reachable from the internet: not loopback, private, link-local, shared (CGNAT), unique-local, multicast or unspecified. */
    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return false; // fc00::/7, unique local
            }
            boolean zeros = true;
            for (int i = 0; i < 10; i++) {
                zeros &= b[i] == 0;
            }
            // An IPv4 address inside an IPv6 one reaches that IPv4 address: it is judged as such.
            if (zeros && (((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) || (b[10] == 0 && b[11] == 0))) {
                return embedded(b, 12); // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible)
            }
            if (b[0] == 0 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                return embedded(b, 12); // 64:ff9b::/96, NAT64
            }
            if (b[0] == 0x20 && b[1] == 0x02) {
                return embedded(b, 2); // 2002::/16, 6to4
            }
            return !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0); // 2001::/32, Teredo: refused
        }
        return isPublicV4(b);
    }

    private static boolean embedded(byte[] b, int from) {
        return isPublicV4(java.util.Arrays.copyOfRange(b, from, from + 4));
    }

    private static boolean isPublicV4(byte[] b) {
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        return first != 0 // 0.0.0.0/8
                && first != 127 && first != 10 // loopback, private
                && !(first == 172 && second >= 16 && second < 32) && !(first == 192 && second == 168) // private
                && !(first == 169 && second == 254) // link-local, the cloud metadata address
                && !(first == 100 && second >= 64 && second < 128) // 100.64.0.0/10, shared address space
                && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // 192.0.0.0/24, protocol assignments
                && !(first == 198 && (second == 18 || second == 19)) // 198.18.0.0/15, benchmarking
                && first < 240; // 240.0.0.0/4 and broadcast
    }
}

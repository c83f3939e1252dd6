package io.rsground.text;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTML character-reference decoding with the exact semantics CLIP's text cleanup relies on.
 *
 * <p>Two flavours are needed: {@link #unescape(String)} behaves as Python's {@code html.unescape}
 * (HTML5 rules: the 2,231 named references of the WHATWG table, the 106 legacy names that work
 * without a semicolon, the longest legacy prefix of an unknown name, numeric references with the
 * Windows-1252 remapping of 0x80-0x9F, U+FFFD for 0, surrogates and values past U+10FFFF, and
 * nothing for the other disallowed code points). {@link #unescapeFtfyStyle(String)} is the narrower
 * pass of ftfy's {@code fix_text}: only {@code &name;} / {@code &#...;} forms with a semicolon and at
 * most 24 name characters, plus upper-case spellings of lower-case entities ({@code &EACUTE;}).
 *
 * <p>Why not a library: Apache commons-text {@code unescapeHtml4} knows only the HTML 4 names,
 * needs the semicolon ({@code &amp} and {@code &#39} stay as they are), does not remap 0x80-0x9F and
 * has no longest-prefix rule; jsoup has the HTML5 table but no longest-prefix rule either. Both would
 * give other ids than the reference on such input. The named-reference table is the WHATWG data
 * (resource {@code html5-entities.json}).
 */
final class HtmlUnescaper {
    private HtmlUnescaper() {
    }

    /** Python's charref pattern: decimal, hex, or up to 32 name characters, optional semicolon. */
    private static final Pattern CHARREF =
            Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");
    /** ftfy's entity pattern: semicolon required. */
    private static final Pattern FTFY_ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");

    /** Lazily loaded tables (class-holder idiom: thread-safe, loaded on first use). */
    private static final class Tables {
        static final Map<String, String> HTML5 = loadHtml5();
        static final Map<String, String> FTFY = buildFtfyEntities(HTML5);
    }

    /**
     * @param text any text
     * @return the text with character references replaced as Python's {@code html.unescape} does
     */
    static String unescape(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = CHARREF.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(replaceCharref(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * @param text any text
     * @return the text with {@code &name;} and {@code &#n;} references replaced as ftfy's
     *     {@code unescape_html} does
     */
    static String unescapeFtfyStyle(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = FTFY_ENTITY.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            String ref = m.group();
            String replacement = Tables.FTFY.get(ref);
            if (replacement == null) {
                replacement = ref;
                if (ref.startsWith("&#")) {
                    String decoded = unescape(ref);
                    // A reference that did not decode completely is left alone.
                    replacement = decoded.indexOf(';') >= 0 ? ref : decoded;
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String replaceCharref(String ref) {
        if (ref.charAt(0) == '#') {
            boolean hex = ref.charAt(1) == 'x' || ref.charAt(1) == 'X';
            String digits = ref.substring(hex ? 2 : 1, ref.endsWith(";") ? ref.length() - 1 : ref.length());
            return numericReference(parseCapped(digits, hex ? 16 : 10));
        }
        Map<String, String> html5 = Tables.HTML5;
        String whole = html5.get(ref);
        if (whole != null) {
            return whole;
        }
        for (int end = ref.length() - 1; end > 1; end--) {
            String prefix = html5.get(ref.substring(0, end));
            if (prefix != null) {
                return prefix + ref.substring(end);
            }
        }
        return "&" + ref;
    }

    /** Parses digits, saturating at a value past U+10FFFF (all such values mean U+FFFD). */
    private static long parseCapped(String digits, int radix) {
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            value = value * radix + Character.digit(digits.charAt(i), radix);
            if (value > 0x110000L) {
                return 0x110000L;
            }
        }
        return value;
    }

    private static String numericReference(long cp) {
        if (cp == 0) {
            return "\ufffd";
        }
        if (cp == 0x0d) {
            return "\r";
        }
        if (cp >= 0x80 && cp <= 0x9f) {
            // Windows-1252 meaning, as HTML5 prescribes; the five undefined bytes stay C1 controls
            return String.valueOf(ClipTextCleaner.CP1252_HIGH.charAt((int) cp - 0x80));
        }
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
            return "\ufffd";
        }
        boolean disallowed = (cp >= 0x1 && cp <= 0x8) || cp == 0xb || (cp >= 0xe && cp <= 0x1f)
                || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xfdd0 && cp <= 0xfdef)
                || (cp & 0xfffe) == 0xfffe;
        return disallowed ? "" : new String(Character.toChars((int) cp));
    }

    private static Map<String, String> loadHtml5() {
        try (InputStream in = HtmlUnescaper.class.getResourceAsStream("html5-entities.json")) {
            if (in == null) {
                throw new IllegalStateException("resource io/rsground/text/html5-entities.json is missing");
            }
            return Map.copyOf(new ObjectMapper().readValue(in, new TypeReference<Map<String, String>>() { }));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource io/rsground/text/html5-entities.json", e);
        }
    }

    /** ftfy's table: every {@code &name;}, plus the upper-case spelling of all-lower-case names. */
    private static Map<String, String> buildFtfyEntities(Map<String, String> html5) {
        Map<String, String> table = new HashMap<>();
        for (Map.Entry<String, String> e : html5.entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(";")) {
                continue;
            }
            table.put("&" + name, e.getValue());
            String lower = name.toLowerCase(Locale.ROOT);
            if (name.equals(lower)) {
                String upperRef = "&" + name.toUpperCase(Locale.ROOT);
                // only when the upper-case spelling means nothing to a browser already
                if (unescapeWith(html5, upperRef).equals(upperRef)) {
                    table.putIfAbsent(upperRef, e.getValue().toUpperCase(Locale.ROOT));
                }
            }
        }
        return Map.copyOf(table);
    }

    /** {@link #unescape} against an explicit table, usable while {@link Tables} is initialising. */
    private static String unescapeWith(Map<String, String> html5, String ref) {
        String body = ref.substring(1);
        if (html5.containsKey(body)) {
            return html5.get(body);
        }
        for (int end = body.length() - 1; end > 1; end--) {
            String prefix = html5.get(body.substring(0, end));
            if (prefix != null) {
                return prefix + body.substring(end);
            }
        }
        return ref;
    }
}

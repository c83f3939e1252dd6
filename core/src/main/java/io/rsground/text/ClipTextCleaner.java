package io.rsground.text;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The text cleanup OpenAI CLIP applies before BPE: {@code ftfy.fix_text}, HTML-unescape twice,
 * strip, collapse whitespace, lower-case.
 *
 * <p>{@link #fixText(String)} reproduces {@code ftfy.fix_text} (ftfy 6, default settings) step by
 * step for everything deterministic: HTML entities (only when the line has no {@code <}, as ftfy
 * decides), C1 control characters read as Windows-1252, Latin ligatures, full-width and half-width
 * forms, curly quotes, line breaks, lone surrogates, terminal escapes, control characters, NFC,
 * all repeated per line until nothing changes. ftfy's mojibake repair is heuristic (a badness
 * score over hundreds of characters and ten single-byte encodings); here only the case that
 * matters for English queries is repaired, with a rule of our own: UTF-8 that was decoded as
 * Latin-1 / Windows-1252, recognised by sequences that re-encode to the UTF-8 of U+0080-U+00FF
 * (e.g. {@code Ã©} -> é, {@code Â°} -> °), of U+2000-U+203F (e.g. {@code â€™} -> ’ -> ') or of the
 * euro sign (see {@link #fixMojibake}). Mojibake of other scripts or code pages (Cyrillic, Greek, CJK,
 * MacRoman, cp437) and ftfy's lossy-sequence and lost-NBSP repairs are not attempted; such text
 * is tokenized as it stands.
 */
final class ClipTextCleaner {
    private ClipTextCleaner() {
    }

    /** ftfy breaks text into segments of at most this many characters besides at line ends. */
    private static final int MAX_SEGMENT = 1_000_000;
    /** Bound on fix-until-stable rounds; ftfy has none, real text settles in two or three. */
    private static final int MAX_ROUNDS = 32;

    /** Windows-1252 bytes 0x80-0x9F as characters; the five undefined bytes stay C1 controls. */
    static final String CP1252_HIGH = "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160"
            + "\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161"
            + "\u203a\u0153\u009d\u017e\u0178";

    private static final Pattern TERMINAL_ESCAPE = Pattern.compile("\u001b\\[[\\p{Nd};]*[a-zA-Z]");

    /**
     * @param text raw query text
     * @return the text as CLIP's tokenizer sees it before splitting: fixed, unescaped twice,
     *     whitespace collapsed to single spaces and trimmed, lower-cased
     */
    static String clean(String text) {
        String fixed = isPlainAscii(text) ? text : fixText(text);
        fixed = HtmlUnescaper.unescape(HtmlUnescaper.unescape(fixed));
        return collapseWhitespace(fixed).toLowerCase(Locale.ROOT);
    }

    /** True when ftfy would leave the text as it is: printable ASCII and tab / line breaks, no '&'. */
    private static boolean isPlainAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c > 0x7e || c == '&') {
                return false;
            }
        }
        return true;
    }

    /**
     * @param text any text
     * @return the text as {@code ftfy.fix_text} would return it, within the limits the class
     *     documentation states
     */
    static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean unescapeHtml = true;
        int pos = 0;
        while (pos < text.length()) {
            int end = text.indexOf('\n', pos) + 1;
            if (end == 0) {
                end = text.length();
            }
            end = Math.min(end, pos + MAX_SEGMENT);
            String segment = text.substring(pos, end);
            // as in ftfy, a '<' (likely markup) switches entity decoding off for the rest of the text
            if (unescapeHtml && segment.indexOf('<') >= 0) {
                unescapeHtml = false;
            }
            out.append(fixSegment(segment, unescapeHtml));
            pos = end;
        }
        return out.toString();
    }

    private static String fixSegment(String text, boolean unescapeHtml) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            String before = text;
            if (unescapeHtml) {
                text = HtmlUnescaper.unescapeFtfyStyle(text);
            }
            text = fixMojibake(text);
            text = fixC1Controls(text);
            text = fixLigaturesWidthAndQuotes(text);
            text = fixLineBreaks(text);
            text = replaceLoneSurrogates(text);
            text = TERMINAL_ESCAPE.matcher(text).replaceAll("");
            text = removeControlChars(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(before)) {
                break;
            }
        }
        return text;
    }

    /**
     * The byte a character stands for when text was decoded as Windows-1252 (or Latin-1).
     *
     * @return 0-255, or -1 when the character is not a single-byte Windows-1252 / Latin-1 one
     */
    private static int singleByte(char c) {
        if (c <= 0xff) {
            return c;
        }
        int i = CP1252_HIGH.indexOf(c);
        return i >= 0 ? 0x80 + i : -1;
    }

    private static boolean isContinuation(int b) {
        return b >= 0x80 && b <= 0xbf;
    }

    /**
     * Repairs UTF-8 text that was decoded as Windows-1252 / Latin-1. It acts only when the text
     * holds a telltale sequence: characters that re-encode to the UTF-8 of U+0080-U+00FF (lead byte
     * C2/C3: {@code Ã©}, {@code Â°}), of U+2000-U+203F (E2 80: {@code â€™}, {@code â€“}) or of the
     * euro sign (E2 82 AC). Then, as ftfy does, the whole text is re-encoded (Latin-1, else
     * Windows-1252) and decoded as strict UTF-8, which also repairs the other sequences in it
     * ({@code â„¢}); when the whole text is not valid UTF-8 that way, only the telltale sequences
     * are decoded. Telltale sequences are too unusual in real text to be taken for mojibake wrongly;
     * other sequences alone are left, as ftfy does not see e.g. {@code trade â„¢ mark} as broken.
     */
    static String fixMojibake(String text) {
        // repeated until stable before any other fix, as ftfy does: text can be broken twice
        for (int round = 0; round < MAX_ROUNDS; round++) {
            String repaired = decodeTelltales(text);
            if (repaired == text) {
                break;
            }
            String whole = decodeWhole(text);
            text = whole != null ? whole : repaired;
        }
        return text;
    }

    /** The telltale sequences decoded, or the same instance when there is none. */
    private static String decodeTelltales(String text) {
        StringBuilder out = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            int b0 = singleByte(text.charAt(i));
            int decoded = -1;
            int width = 0;
            if ((b0 == 0xc2 || b0 == 0xc3) && i + 1 < n) {
                int b1 = singleByte(text.charAt(i + 1));
                if (isContinuation(b1)) {
                    decoded = ((b0 & 0x1f) << 6) | (b1 & 0x3f);
                    width = 2;
                }
            } else if (b0 == 0xe2 && i + 2 < n) {
                int b1 = singleByte(text.charAt(i + 1));
                int b2 = singleByte(text.charAt(i + 2));
                if ((b1 == 0x80 && isContinuation(b2)) || (b1 == 0x82 && b2 == 0xac)) {
                    decoded = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
                    width = 3;
                }
            }
            if (decoded >= 0) {
                if (out == null) {
                    out = new StringBuilder(n).append(text, 0, i);
                }
                out.append((char) decoded);
                i += width - 1;
            } else if (out != null) {
                out.append(text.charAt(i));
            }
        }
        return out == null ? text : out.toString();
    }

    /**
     * Re-encodes the whole text as Latin-1, else as Windows-1252 (undefined bytes as their C1
     * characters), and decodes the bytes as strict UTF-8.
     *
     * @return the decoded text, or null when neither encoding holds the text or the bytes are not UTF-8
     */
    private static String decodeWhole(String text) {
        byte[] latin1 = new byte[text.length()];
        byte[] cp1252 = new byte[text.length()];
        boolean isLatin1 = true;
        boolean isCp1252 = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            isLatin1 &= c <= 0xff;
            latin1[i] = (byte) c;
            int b = c < 0x80 || c >= 0xa0 && c <= 0xff ? c : CP1252_HIGH.indexOf(c) >= 0 ? 0x80 + CP1252_HIGH.indexOf(c) : -1;
            isCp1252 &= b >= 0;
            cp1252[i] = (byte) b;
        }
        String decoded = isLatin1 ? strictUtf8(latin1) : null;
        if (decoded == null && isCp1252) {
            decoded = strictUtf8(cp1252);
        }
        return decoded;
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String fixC1Controls(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && c <= 0x9f) {
                if (out == null) {
                    out = new StringBuilder(text.length()).append(text, 0, i);
                }
                out.append(CP1252_HIGH.charAt(c - 0x80));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    /** Latin ligatures spelled out, full/half-width forms narrowed, curly quotes straightened. */
    private static String fixLigaturesWidthAndQuotes(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = replacementFor(c);
            if (replacement != null) {
                if (out == null) {
                    out = new StringBuilder(text.length()).append(text, 0, i);
                }
                out.append(replacement);
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    private static String replacementFor(char c) {
        switch (c) {
            case '\u0132': return "IJ";
            case '\u0133': return "ij";
            case '\u0149': return "\u02bcn";
            case '\u01f1': return "DZ";
            case '\u01f2': return "Dz";
            case '\u01f3': return "dz";
            case '\u01c4': return "D\u017d";
            case '\u01c5': return "D\u017e";
            case '\u01c6': return "d\u017e";
            case '\u01c7': return "LJ";
            case '\u01c8': return "Lj";
            case '\u01c9': return "lj";
            case '\u01ca': return "NJ";
            case '\u01cb': return "Nj";
            case '\u01cc': return "nj";
            case '\ufb00': return "ff";
            case '\ufb01': return "fi";
            case '\ufb02': return "fl";
            case '\ufb03': return "ffi";
            case '\ufb04': return "ffl";
            case '\ufb05': return "\u017ft";
            case '\ufb06': return "st";
            case '\u3000': return " ";
            case '\u02bc': case '\u2018': case '\u2019': case '\u201a': case '\u201b': return "'";
            case '\u201c': case '\u201d': case '\u201e': case '\u201f': return "\"";
            default:
                break;
        }
        if (c >= 0xff01 && c <= 0xffef) {
            String compat = Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC);
            return compat.equals(String.valueOf(c)) ? null : compat;
        }
        return null;
    }

    private static String fixLineBreaks(String text) {
        if (text.indexOf('\r') < 0 && text.indexOf('\u2028') < 0 && text.indexOf('\u2029') < 0
                && text.indexOf('\u0085') < 0) {
            return text;
        }
        return text.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n')
                .replace('\u2029', '\n').replace('\u0085', '\n');
    }

    private static String replaceLoneSurrogates(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                if (out != null) {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = new StringBuilder(text.length()).append(text, 0, i);
                }
                out.append('\ufffd');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    private static boolean isRemovedControl(char c) {
        return (c <= 0x08) || c == 0x0b || (c >= 0x0e && c <= 0x1f) || c == 0x7f
                || (c >= 0x206a && c <= 0x206f) || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffc);
    }

    private static String removeControlChars(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isRemovedControl(c)) {
                if (out == null) {
                    out = new StringBuilder(text.length()).append(text, 0, i);
                }
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    /** Python's {@code str.isspace()}: bidi classes WS, B, S and category Zs. */
    static boolean isPythonSpace(int c) {
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0
                || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029
                || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    /** {@code " ".join(text.split())}: runs of whitespace become one space, ends trimmed. */
    static String collapseWhitespace(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isPythonSpace(c)) {
                pendingSpace = out.length() > 0;
            } else {
                if (pendingSpace) {
                    out.append(' ');
                    pendingSpace = false;
                }
                out.append(c);
            }
        }
        return out.toString();
    }
}

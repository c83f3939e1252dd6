"""Writes clip-edge-cases.json: edge-case queries with the ids of the reference CLIP tokenizer.

Reference = OpenAI CLIP's simple_tokenizer (as copied in open_clip 3.3.0's tokenizer.py, with
OpenAI's special-token names put back) running on ftfy 6.3.1, regex, Python 3.11. Run from a
directory where `open_clip/tokenizer.py` is importable (torch may be a stub module):

    python make_clip_edge_cases.py BPE_GZ OUT_JSON

Each case records the text, the cleaned text (basic_clean + whitespace_clean + lower) and the
full id list [SOT] + BPE + [EOT] without truncation. Cases whose cleanup relies on ftfy's
mojibake heuristics beyond UTF-8-read-as-Windows-1252 of U+0080-U+00FF / U+2000-U+203F / euro are
listed under "beyond_scope" with the reference result, for the record.
"""
import json
import sys

import regex as re
from open_clip import tokenizer as T

IN_SCOPE = [
    # HTML entities: ftfy's pass (until stable, only without '<') + html.unescape twice
    "ship&amp;boat", "&amp;amp;", "&amp;amp;amp;amp;amp;", "a &lt;b&gt; c", "x < y &amp;amp;amp; z",
    "the tank&apos;s roof", "the tank&#39;s roof", "the tank&#39s roof", "&amp", "&ampx", "&notit;",
    "&EACUTE;cole", "&eacute;cole", "&#x41;&#X42;", "&#128; euro", "&#0;", "&#xD800;", "&#1114112;",
    "&#65x;", "tom &amp jerry", "&nbsp;tank&nbsp;", "&copy 2020", "&unknown; entity", "&SZLIG;",
    "line one <b>\n&amp;amp; line two", "&#x1F697; car", "&#7;bell", "&#65279;bom",
    # mojibake: UTF-8 read as Windows-1252 / Latin-1
    "cafÃ© roof", "Ã©glise", "itâ€™s the tank", "â€œquotedâ€\x9d tank", "25Â°C", "naÃ¯ve",
    "double cafÃƒÂ©", "emÃ¢â‚¬â€\x9ddash", "itÃ¢â‚¬â„¢s", "Ã¢â‚¬Å¡Ã‚Â¬100", "mixed café and cafÃ©", "Â\xa0nbsp", "dashâ€“andâ€”more", "euro â‚¬5",
    "Fuß“",  # valid UTF-8 when re-encoded, yet not mojibake: left alone
    "trade â„¢ mark",  # ftfy sees no mojibake in this context and leaves it
    # other ftfy fixes
    "ﬁeld of ﬂowers", "ＬＯＵＤ　ＴＡＮＫ", "ＡＢＣ１２３", "ｶﾀｶﾅ", "“quoted” ‘single’ ‛odd‟",
    "itʼs", "line\r\nbreak", "a\u2028b\u2029c\x85d", "\x1b[31mred\x1b[0m tank", "zero\u200bwidth",
    "bom\ufefftank", "e\u0301cole", "control\x07bell\x00nul", "C1 \x80 \x93quoted\x94",
    "\u206ainhibit", "\ufff9anchor", "a\ud800b", "Ĳssel ǅ ŉ",
    # Unicode letters, digits, case
    "İstanbul", "ΣΟΦΟΣ ΟΔΟΣ", "straße", "emoji 🚗 car", "😀😀", "١٢٣ arabic digits", "日本語のテキスト",
    "한국어 텍스트", "½ mile", "x² + y³", "Ⅻ roman", "Ǆ", "ǅemal", "MÜNCHEN", "ÉCOLE", "ǈ",
    "façade", "Ωmega", "ﬃ", "\U0001D400 bold A",
    # split pattern
    "don't", "DON'T", "we'll've", "rock'n'roll", "o'clock", "'s", "''", "the tank's", "12,345.67",
    "a-b_c/d", "!$", "!!!", "!?", "?!", "...", "!", "! !", "tank!tank", "'S 'T 'RE 'VE 'M 'LL 'D",
    # special tokens typed by a user
    "<|startoftext|> a", "x<|endoftext|>y", "<|ENDOFTEXT|>", "<|endoftext",
    # long words and whitespace
    "supercalifragilisticexpialidocious", "pneumonoultramicroscopicsilicovolcanoconiosis",
    "   \t\n  ", "\u3000", "\xa0\u2007\u202f", "\x1c\x1d\x1e\x1fsep", "tank\x0bvertical\x0cform",
]

BEYOND_SCOPE = [
    "Ð¿Ñ€Ð¸Ð²ÐµÑ‚",      # Cyrillic mojibake
    "æ±½è½¦ on the left",   # CJK mojibake
    "voilÃ le travail",     # lost NBSP after Ã
    "cafÃ\x1a",              # lossy sequence
    "Å“uvre Å¡koda Å½",       # UTF-8 of Windows-1252-only letters (œ š Ž): ftfy repairs, we do not
]


def main(bpe_path, out_path):
    tok = T.SimpleTokenizer(bpe_path)
    enc = tok.encoder
    sot = enc.pop('<start_of_text>')
    eot = enc.pop('<end_of_text>')
    enc['<|startoftext|>'] = sot
    enc['<|endoftext|>'] = eot
    tok.cache = {'<|startoftext|>': '<|startoftext|>', '<|endoftext|>': '<|endoftext|>'}
    tok.pat = re.compile(
        r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
        re.IGNORECASE)

    def case(text):
        return {"text": text, "cleaned": T._clean_lower(text), "ids": [sot] + tok.encode(text) + [eot]}

    out = {
        "reference": "OpenAI CLIP simple_tokenizer via open_clip 3.3.0, ftfy 6.3.1, Python 3.11",
        "cases": [case(t) for t in IN_SCOPE],
        "beyond_scope": [case(t) for t in BEYOND_SCOPE],
    }
    with open(out_path, "w") as f:
        json.dump(out, f, ensure_ascii=True, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

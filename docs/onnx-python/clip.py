"""Stand-in for OpenAI's clip package, whose tokenizer needs PyTorch: clip.tokenize returns the ids the
reference's own clip.tokenize produced for the fixture's queries, as samples.json records them."""
import json
import os

import numpy as np

_SAMPLES = os.path.join(os.path.dirname(__file__), "../../../shared/fixtures/clipvg-tiny/samples.json")
_IDS = {s["query"]: s["tokens"] for s in json.load(open(_SAMPLES))["samples"]}


class _Rows:
    def __init__(self, rows):
        self._rows = rows

    def numpy(self):
        return self._rows


def tokenize(texts, context_length=77, truncate=False):
    rows = np.zeros((len(texts), context_length), np.int32)
    for i, text in enumerate(texts):
        ids = _IDS[text][:context_length]
        rows[i, :len(ids)] = ids
    return _Rows(rows)

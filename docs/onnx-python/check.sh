#!/usr/bin/env bash
# The docs' Python snippet (onnxruntime) against `rsground predict --engine onnx` and the reference's boxes, on the
# fixture's PNG samples, for the fixture exported as one file and with --external-data. Run from the project root
# with PYTHON naming an interpreter that has onnxruntime, numpy and Pillow.
set -euo pipefail
PYTHON=${PYTHON:-python3}
F=../shared/fixtures/clipvg-tiny
out=$(mktemp -d)
for flags in "" "--external-data"; do
  dir=$out/model${flags:+-external}
  ./rsground export --weights $F/checkpoint.pth --model-config $F/model.json \
      --bpe ../shared/clip/bpe_simple_vocab_16e6.txt.gz --out $dir/model.onnx $flags >&2
  for i in 0 1 2 3 4; do
    query=$($PYTHON -c "import json; print(json.load(open('$F/samples.json'))['samples'][$i]['query'])")
    snippet=$(PYTHONPATH=docs/onnx-python $PYTHON docs/onnx-python/run_snippet.py docs/onnx.md $dir/model.onnx \
        $F/images/sample_$i.png "$query" | sed -n 's/^CORNERS //p')
    rsground=$(./rsground predict --engine onnx --weights $dir/model.onnx --image $F/images/sample_$i.png \
        --query "$query" --json 2>/dev/null)
    echo "$i ${flags:-one-file} $snippet $rsground"
  done
done | $PYTHON -c '
import json, sys
samples = json.load(open(sys.argv[1]))["samples"]
worst = {"snippet vs rsground": 0.0, "snippet vs reference": 0.0, "rsground vs reference": 0.0}
for line in sys.stdin:
    i, layout, rest = line.split(" ", 2)
    decoder = json.JSONDecoder()
    snippet, end = decoder.raw_decode(rest)
    ours = json.loads(rest[end:])["box_xyxy"]
    reference = samples[int(i)]["pred_box_xyxy"]
    print("sample", i, layout, "snippet", snippet[0], "rsground", ours)
    for name, a, b in (("snippet vs rsground", snippet[0], ours), ("snippet vs reference", snippet[0], reference),
                       ("rsground vs reference", ours, reference)):
        worst[name] = max(worst[name], max(abs(x - y) for x, y in zip(a, b)))
for name, d in worst.items():
    print("max |difference| %s: %.2g px" % (name, d))
' $F/samples.json
rm -rf "$out"

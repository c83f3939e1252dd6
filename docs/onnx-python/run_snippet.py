"""Runs the Python block of docs/onnx.md as written, with the model, image and query given, and prints the corners
it computed as JSON. Usage: run_snippet.py DOC MODEL IMAGE QUERY"""
import json
import re
import sys

doc, model, image, query = sys.argv[1:5]
code = re.search(r"## Python \(onnxruntime\)\n\n```python\n(.*?)```", open(doc).read(), re.S).group(1)
code = code.replace('"model.onnx"', repr(model)).replace('"scene.png"', repr(image))
code = re.sub(r"queries = \[.*?\]\n", "queries = " + repr([query]) + "\n", code)
scope = {}
exec(compile(code, doc, "exec"), scope)
print("CORNERS", json.dumps([[float(v) for v in c] for c in scope["corners"]]))

"""Strict nbformat 4.5 validation of .ipynb files with Jupyter's own validator (Debian's python3-nbformat).

Reads each file as raw JSON (nbformat.read would quietly add missing cell ids), validates it without repairs
and with every warning an error. Prints one line per file; exits 1 if any file is invalid.
"""
import json
import sys
import warnings

import nbformat

failed = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            nbformat.validate(raw, version=4, version_minor=5)
        print(f"valid   {path}")
    except Exception as e:  # the validator raises ValidationError; warnings-as-errors raise their own types
        failed += 1
        print(f"INVALID {path}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
sys.exit(1 if failed else 0)

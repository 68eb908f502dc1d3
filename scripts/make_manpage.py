#!/usr/bin/env python3
"""Writes eveflow(8), gzipped, from a roff template and the binary's own --help and --version.

  make_manpage.py EVEFLOW_BINARY TEMPLATE OUTPUT.gz

@VERSION@ becomes `eveflow --version`; @OPTIONS@ one .TP entry per option of `eveflow --help`,
so the page lists exactly the flags the binary has. Fails when --help shows no options or a
required section is absent from the template. The gzip header carries no name and no time,
so the same inputs give the same bytes.
"""
import gzip
import os
import re
import subprocess
import sys

SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "FILES", "SIGNALS", "EXIT STATUS",
            "SEE ALSO"]
# "  -c,--config TEXT      YAML configuration file": names, an optional argument, 2+ spaces.
OPTION = re.compile(r"^\s{1,8}(-[^\s]+)(?: ([^\s].*?))?(?:\s{2,}(.*))?$")


def run(binary, flag):
    env = dict(os.environ, LC_ALL="C", COLUMNS="200")
    return subprocess.run([binary, flag], check=True, capture_output=True, text=True,
                          env=env).stdout


def parse_options(help_text):
    """[(names, argument, description)] from the lines after "Options:"."""
    options, in_options = [], False
    for line in help_text.splitlines():
        if re.match(r"^\S.*:\s*$", line):
            in_options = line.strip().lower().startswith("options")
            continue
        if not in_options or not line.strip():
            continue
        m = OPTION.match(line)
        if m:
            options.append([m.group(1), m.group(2) or "", m.group(3) or ""])
        elif options:  # a description continued on its own line
            options[-1][2] = (options[-1][2] + " " + line.strip()).strip()
    return options


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in (".", "'") else text


def option_entries(options):
    out = []
    for names, arg, desc in options:
        head = ", ".join("\\fB%s\\fR" % roff(n) for n in names.split(","))
        if arg:
            head += " \\fI%s\\fR" % roff(arg)
        out += [".TP", head, roff(desc)]
    return "\n".join(out)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip())
    binary, template, output = sys.argv[1:]
    options = parse_options(run(binary, "--help"))
    if len(options) < 2:
        sys.exit("make_manpage: no options found in `%s --help`" % binary)
    with open(template, encoding="utf-8") as f:
        page = f.read()
    missing = [s for s in SECTIONS if not re.search(r'^\.SH "?%s"?$' % s, page, re.M)]
    if missing:
        sys.exit("make_manpage: %s lacks sections: %s" % (template, ", ".join(missing)))
    page = page.replace("@VERSION@", run(binary, "--version").strip())
    page = page.replace("@OPTIONS@", option_entries(options))
    with open(output, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0,
                                                compresslevel=9) as gz:
        gz.write(page.encode("utf-8"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Measures how fast the program in a tmux pane answers a key, for the end-to-end tests.

    key-latency.py SOCKET SESSION LIMIT_MS    # then, on stdin, one request per line:
    KEY WANT                                  # -> one line on stdout: MS, or TIMEOUT

It attaches to the test's private tmux server as a control-mode client (tmux -C, output
notifications off), so a key and each look at the screen are a command on one open pipe, not a
new tmux client process each: on a loaded machine starting two processes per look costs more
than the program under test. For each request it sends KEY (a tmux key name) and captures the
pane until a line of it matches `Name +WANT` followed by a space, a box line or the line's end
(the details pane naming the selected row), then prints the milliseconds from sending the key
to that capture. TIMEOUT after LIMIT_MS. The last screen of a TIMEOUT goes to stderr.
"""
import re
import subprocess
import sys
import time


def main():
    sock, session, limit = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000.0
    ctl = subprocess.Popen(["tmux", "-L", sock, "-f", "/dev/null", "-C", "attach", "-t", session],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    reader = ctl.stdout

    def command(text):
        """Runs a tmux command; returns the lines of its answer (between %begin and %end)."""
        ctl.stdin.write(text.encode() + b"\n")
        out, inside = [], False
        while True:
            line = reader.readline()
            if not line:
                raise SystemExit("key-latency: tmux closed the control connection")
            line = line.rstrip(b"\n")
            if line.startswith(b"%begin"):
                inside, out = True, []
            elif line.startswith(b"%end") or line.startswith(b"%error"):
                if inside:
                    return out
            elif line.startswith(b"%"):
                continue
            elif inside:
                out.append(line.decode("utf-8", "replace"))

    # The attach itself answers with a block; output notifications would flood the pipe.
    command("refresh-client -f no-output")
    for request in sys.stdin:
        parts = request.split()
        if len(parts) != 2:
            continue
        key, want = parts
        pattern = re.compile(r"Name +" + re.escape(want) + r"( |│|x|$)")
        start = time.monotonic()
        command("send-keys -t %s %s" % (session, key))
        while True:
            screen = command("capture-pane -p -t %s" % session)
            elapsed = time.monotonic() - start
            if any(pattern.search(line) for line in screen):
                print("%d" % round(elapsed * 1000), flush=True)
                break
            if elapsed > limit:
                sys.stderr.write("\n".join(screen) + "\n")
                print("TIMEOUT", flush=True)
                break
    ctl.stdin.close()
    ctl.wait(timeout=5)


if __name__ == "__main__":
    main()

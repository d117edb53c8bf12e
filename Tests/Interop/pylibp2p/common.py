"""What the py-libp2p interop scripts share: check reporting (`ok ...` / `FAIL ...` lines the shell suites read)
and stream reads."""


class Checks:
    failures = 0


def say(line):
    print(line, flush=True)


def ok(msg):
    say(f"ok {msg}")


def fail(msg):
    Checks.failures += 1
    say(f"FAIL {msg}")


def expect(cond, good, bad):
    ok(good) if cond else fail(bad)


async def read_exactly(stream, n):
    buf = b""
    while len(buf) < n:
        chunk = await stream.read(n - len(buf))
        if not chunk:
            raise EOFError(f"stream ended after {len(buf)} of {n} bytes")
        buf += chunk
    return buf


async def read_to_eof(stream, limit=64 * 1024):
    buf = b""
    while len(buf) < limit:
        try:
            chunk = await stream.read()
        except Exception:  # py-libp2p raises on a remote close on some paths
            break
        if not chunk:
            break
        buf += chunk
    return buf

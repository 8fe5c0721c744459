"""How much anonymous password guessers slow a logged-in user down.

Against a running server, in two timed phases of ``--seconds`` each:

1. the user alone: one client, logged in through the login page (a session cookie), asks
   for a batch's growth data again and again, each request sent when the last answer
   arrived: requests per second, median and p95;
2. the same while ``--guessers`` processes guess the same account's password without
   pause: by HTTP Basic on the growth endpoint (``--attack basic``), through the login
   form (``--attack login``: the form fetched once for its CSRF cookie, then wrong
   passwords posted), or through the login form with a new account name each time
   (``--attack names``). The guessers start ``--warmup`` seconds before this phase, so
   that it times a lasting attack rather than its first guesses (those a throttle lets
   through, each hashed, before it locks).

It prints the user's figures in both phases, the guesses per second and the answers they
got, and with ``--server-pid`` the CPU seconds the server's processes spent in each
phase. With ``--forwarded`` each guesser and the user send their own address in
``X-Forwarded-For`` (start the server with ``AQUAGROWTH_PROXY_COUNT=1``) and, during the
attack, the user logs in afresh from their address: a guesser at another address must
not lock them out.

Public tools only: the standard library (urllib, multiprocessing, /proc). The server is
started apart, e.g. as the issue measured it (this repository, PostgreSQL, DEBUG off)::

    DATABASE_URL=postgres://postgres@127.0.0.1/aq_bench DJANGO_DEBUG=0 \\
        gunicorn aquagrowth.wsgi -w 4 -b 127.0.0.1:8620 --pid /tmp/gunicorn.pid
    python bench/guessing_bench.py --url http://127.0.0.1:8620 --user biologist \\
        --password '...' --attack basic --server-pid "$(cat /tmp/gunicorn.pid)"
"""

from __future__ import annotations

import argparse
import base64
import http.cookiejar
import json
import multiprocessing as mp
import os
import re
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

USER_ADDRESS = "198.51.100.20"


def guesser_address(i: int) -> str:
    return f"203.0.113.{i + 1}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A login answers 302 on success: keep it as the answer, do not follow it."""

    def redirect_request(self, *args, **kwargs):
        return None


def opener(jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
    jar = jar if jar is not None else http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def fetch(client, url: str, data: dict | None = None, headers: dict | None = None) -> tuple:
    """(status, body) of one request; HTTP errors are answers too."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with client.open(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def csrf_form(client, url: str, headers: dict) -> str:
    """The login form's CSRF token (its cookie is kept in the client's jar)."""
    status, body = fetch(client, url, headers=headers)
    assert status == 200, f"login page answered {status}"
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()


def log_in(base: str, user: str, password: str, headers: dict):
    """A client logged in through the login page, or None with the status it got."""
    client = opener()
    token = csrf_form(client, f"{base}/accounts/login/", headers)
    form = {"csrfmiddlewaretoken": token, "username": user, "password": password}
    status, _ = fetch(client, f"{base}/accounts/login/", form, headers)
    return (client if status == 302 else None), status


@dataclass
class Timings:
    statuses: Counter = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    def add(self, status: int, started: float) -> None:
        self.statuses[status] += 1
        self.seconds.append(time.perf_counter() - started)

    def line(self) -> str:
        n, elapsed = len(self.seconds), self.elapsed
        if n == 0:
            return "no answer"
        ms = sorted(s * 1000 for s in self.seconds)
        p95 = ms[min(n - 1, int(0.95 * n))]
        answers = ", ".join(f"{code} x {count}" for code, count in sorted(self.statuses.items()))
        return (
            f"{n / elapsed:8.2f} req/s  median {statistics.median(ms):7.1f} ms  "
            f"p95 {p95:7.1f} ms  ({n} requests: {answers})"
        )


def run_user(client, url: str, seconds: float, headers: dict) -> Timings:
    timings = Timings()
    first = time.perf_counter()
    while time.perf_counter() < first + seconds:
        started = time.perf_counter()
        status, _ = fetch(client, url, headers=headers)
        timings.add(status, started)
    timings.elapsed = time.perf_counter() - first
    return timings


def guess(args: dict, i: int, measure_at: float, stop_at: float, out: mp.Queue) -> None:
    """One guesser's loop until ``stop_at`` (wall clock); puts its status counts before
    and after ``measure_at`` (the end of the warm-up)."""
    base, attack = args["url"], args["attack"]
    headers = {"X-Forwarded-For": guesser_address(i)} if args["forwarded"] else {}
    client = opener()
    token = csrf_form(client, f"{base}/accounts/login/", headers) if attack != "basic" else ""
    counts: dict[str, Counter] = {"warm-up": Counter(), "measured": Counter()}
    n = 0
    while time.time() < stop_at:
        n += 1
        wrong = f"guess-{i}-{n}"
        if attack == "basic":
            secret = base64.b64encode(f"{args['user']}:{wrong}".encode()).decode()
            sent = {**headers, "Authorization": f"Basic {secret}"}
            status, _ = fetch(client, args["growth_url"], headers=sent)
        else:
            name = args["user"] if attack == "login" else f"name-{i}-{n}"
            form = {"csrfmiddlewaretoken": token, "username": name, "password": wrong}
            status, _ = fetch(client, f"{base}/accounts/login/", form, headers)
        counts["warm-up" if time.time() < measure_at else "measured"][status] += 1
    out.put({phase: dict(counter) for phase, counter in counts.items()})


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of ``pid`` and its children so far (Linux /proc)."""
    if not pid:
        return 0.0
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    pids = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as children:
            pids += [int(p) for p in children.read().split()]
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def growth_url(base: str, client, batch: int | None, headers: dict) -> str:
    if batch is None:
        status, body = fetch(client, f"{base}/api/v1/batches/", headers=headers)
        assert status == 200, f"batch list answered {status}"
        batch = json.loads(body)["results"][0]["id"]
    return f"{base}/api/v1/batches/{batch}/growth/"


def attack_phase(args, client, url: str, headers: dict) -> dict:
    """The guessers run ``--warmup`` seconds (each address's first, hashed guesses), then
    the user's requests are timed for ``--seconds`` while they go on."""
    settings = {**vars(args), "growth_url": url}
    out: mp.Queue = mp.Queue()
    measure_at = time.time() + args.warmup
    stop_at = measure_at + args.seconds
    guessers = [
        mp.Process(target=guess, args=(settings, i, measure_at, stop_at, out))
        for i in range(args.guessers)
    ]
    for process in guessers:
        process.start()
    time.sleep(max(0.0, measure_at - time.time()))
    cpu = cpu_seconds(args.server_pid)
    user = run_user(client, url, max(0.0, stop_at - time.time()), headers)
    cpu = cpu_seconds(args.server_pid) - cpu
    relogin = None
    if args.forwarded:
        relogin = log_in(args.url, args.user, args.password, headers)[1]
    guesses = {"warm-up": Counter(), "measured": Counter()}
    for _ in guessers:
        for phase, counts in out.get(timeout=args.warmup + args.seconds + 180).items():
            guesses[phase].update(counts)
    for process in guessers:
        process.join()
    return {"user": user, "guesses": guesses, "relogin": relogin, "cpu": cpu}


def report(args, alone: Timings, cpu_alone: float, attacked: dict) -> None:
    print(f"user alone:           {alone.line()}")
    print(f"user under attack:    {attacked['user'].line()}")
    for phase, seconds in (("warm-up", args.warmup), ("measured", args.seconds)):
        counts = attacked["guesses"][phase]
        answers = ", ".join(f"{code} x {n}" for code, n in sorted(counts.items()))
        print(f"guesses, {phase + ':':9}   {sum(counts.values()) / seconds:8.2f} /s  ({answers})")
    if args.server_pid:
        cpu = attacked["cpu"]
        print(f"server CPU s:         alone {cpu_alone:.1f}, under attack {cpu:.1f}")
        # The guesses' share: the attack's CPU less the user's requests at their cost alone.
        user_cpu = cpu_alone / len(alone.seconds) * len(attacked["user"].seconds)
        per_guess = (cpu - user_cpu) / max(1, sum(attacked["guesses"]["measured"].values()))
        print(f"server CPU per guess: {per_guess * 1000:.2f} ms")
    if attacked["relogin"] is not None:
        print(f"user's fresh login during the attack: {attacked['relogin']} (302: logged in)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8620")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--batch", type=int, help="batch id (default: the first listed)")
    parser.add_argument("--attack", choices=["basic", "login", "names"], default="basic")
    parser.add_argument("--guessers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0, help="each timed phase")
    parser.add_argument("--warmup", type=float, default=20.0, help="guessing before timing")
    parser.add_argument("--forwarded", action="store_true")
    parser.add_argument("--server-pid", type=int)
    args = parser.parse_args()

    headers = {"X-Forwarded-For": USER_ADDRESS} if args.forwarded else {}
    client, status = log_in(args.url, args.user, args.password, headers)
    assert client is not None, f"the user's login answered {status}"
    url = growth_url(args.url, client, args.batch, headers)
    print(
        f"server {args.url}, {url.removeprefix(args.url)}, attack {args.attack}, "
        f"{args.guessers} guessers, {args.seconds:g} s per phase after {args.warmup:g} s warm-up"
    )

    cpu = cpu_seconds(args.server_pid)
    alone = run_user(client, url, args.seconds, headers)
    cpu_alone = cpu_seconds(args.server_pid) - cpu
    report(args, alone, cpu_alone, attack_phase(args, client, url, headers))


if __name__ == "__main__":
    main()

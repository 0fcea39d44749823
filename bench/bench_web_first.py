"""The first map and the first profile after `veerkracht serve` starts.

Two workspaces, each served as in production: `veerkracht serve` (gunicorn,
its default of 2 workers × 4 threads on this machine, what a first map or
profile reads prepared in the master before the fork, `prepare_s`) in its
own process on loopback.

* **demo**: Voorbeeldstad (`veerkracht demo --no-serve`);
* **LJPc**: the real addresses of Groningen and Flevoland (~550,000), built
  as a user would: `veerkracht import addresses`, `import wijken` (CBS wijk
  polygons 2024 of both provinces), `import gemeenten` (CBS gemeente
  outlines 2022), `places`, `synth households --seed 1 --signals`,
  `compute` (three periods; `setup_s`, not timed against the target;
  `VEERKRACHT_BENCH_WORKSPACE` names a workspace built so, which is copied,
  never changed). The LJPc files have no buurt codes: the buurt level holds
  the rest of each wijk.

In both, a frontline professional (the demo's `wijkteam` role, which sees
all seven levels) has the whole of the largest gemeente as area (Groningen
in LJPc), created with `veerkracht serve --manage shell` as an
administrator would (role, organisation, area); a policy adviser of the
gemeente sees the same start map with fewer levels.

The web database is migrated and the account exists before the clock
starts (a restart, not a first install). From the moment `serve` is
started (`since_start_s`): `listening` (the port accepts a connection),
the log-in, then what the map page does (`map.js`): the page, the extent of
the user's areas, and the first layer of the start level with the zoom and
bounding box Leaflet's `fitBounds` gives on a 880 × 560 px map (the map's
size in a 1280 × 800 window); then each other level of the level menu at
the same view, and for a fine level that answers "zoom in" the view zoomed
in to its minimum zoom around the same centre (what the user does next;
the "zoom in" answer itself takes milliseconds and is not listed);
with no entrance in that view, the entrances of a block on the map
("Inzoomen", a drill-down).
Then the profile page of one entrance, one street and one buurt (of the
places on the map). A second server, started the same way, is asked for the same
profiles first (a bookmarked profile link as the first request).
`seconds` is the request itself (first after the start, cold), `warm_s` the
median of three repeats, `ratio` cold over warm; every request is timed
from the client (urllib, a new connection each). `server_mib` is the
proportional memory (PSS) of the master and its workers after the run.
Target (the fast-first-request issue): the first map and the first profile
within 5 s on the demo and within 10 s on the 550,000 addresses. The
machine is shared: `load` is the 1-minute load average at the start.
"""

from __future__ import annotations

import html.parser
import http.cookiejar
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VEERKRACHT = str(Path(sys.executable).with_name("veerkracht"))
MAP_SIZE = (880, 560)  # px: the map in a 1280 x 800 window (style.css)
TARGET = {"demo": 5.0, "LJPc": 10.0}

# a frontline professional with the whole of the largest gemeente as area, as
# an administrator would create one (the role, an organisation, its area)
_USER = r"""
from django.contrib.auth.models import User
from veerkracht.web import workspace
from veerkracht.web.accounts import roles
from veerkracht.web.accounts.models import AreaAssignment, Organisation, UserProfile
g = workspace.table("place_gemeente").sort_values("n_dwellings", ascending=False)
code, name = str(g["place_id"].iloc[0]), str(g["name"].iloc[0])
roles.ensure_role_groups()
org, _ = Organisation.objects.get_or_create(name=f"Gemeente {name}")
AreaAssignment.objects.get_or_create(organisation=org, level="gemeente", code=code)
user, _ = User.objects.get_or_create(username=USERNAME)
user.set_password(PASSWORD)
user.save()
UserProfile.objects.update_or_create(user=user, defaults={"role": roles.FRONTLINE,
                                                          "organisation": org})
print(code, name)
"""


# --------------------------------------------------------------------------
# Leaflet's view after fitBounds (EPSG:3857, 256 px tiles, zoomSnap 1)


def _project(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    scale = 256 * 2**zoom
    lat = max(min(lat, 85.0511287798), -85.0511287798)
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return scale * (lon + 180) / 360, scale * (1 - y / math.pi) / 2


def _unproject(x: float, y: float, zoom: float) -> tuple[float, float]:
    scale = 256 * 2**zoom
    lon = x / scale * 360 - 180
    lat = 2 * math.atan(math.exp(math.pi * (1 - 2 * y / scale))) - math.pi / 2
    return lon, math.degrees(lat)


def fit_bounds(bounds, size=MAP_SIZE, start_zoom=8, min_zoom=6, max_zoom=19):
    """(zoom, centre) of ``map.fitBounds`` on a map of ``size`` px (map.js)."""
    west, south, east, north = bounds
    x0, y0 = _project(west, north, start_zoom)
    x1, y1 = _project(east, south, start_zoom)
    scale = min(size[0] / max(x1 - x0, 1e-9), size[1] / max(y1 - y0, 1e-9))
    zoom = start_zoom + math.log2(scale)
    zoom = math.floor(round(zoom * 100) / 100)
    zoom = max(min_zoom, min(max_zoom, zoom))
    xa, ya = _project(west, south, zoom)
    xb, yb = _project(east, north, zoom)
    return zoom, _unproject((xa + xb) / 2, (ya + yb) / 2, zoom)


def view_bbox(centre, zoom, size=MAP_SIZE) -> str:
    """``map.getBounds()`` as map.js sends it (clamped, 6 decimals)."""
    cx, cy = _project(*centre, zoom)
    w, n = _unproject(cx - size[0] / 2, cy - size[1] / 2, zoom)
    e, s = _unproject(cx + size[0] / 2, cy + size[1] / 2, zoom)
    return ",".join(f"{max(-180, min(180, v)):.6f}" for v in (w, s, e, n))


# --------------------------------------------------------------------------
# The server


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``veerkracht serve`` in its own process group, its log lines timed."""

    def __init__(self, ws: Path, env: dict):
        self.port = _port()
        self.marks: dict[str, float] = {}
        self.log: list[str] = []
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [VEERKRACHT, "--workspace", str(ws), "serve", "--port", str(self.port)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.listening = self._wait()

    def _read(self) -> None:
        for line in self.proc.stdout:
            now = time.perf_counter() - self.t0
            self.log.append(line.rstrip())
            for key, mark in (("warm_start", "voorbereiden…"),
                              ("warm_end", "Veerkracht draait op")):
                if mark in line and key not in self.marks:
                    self.marks[key] = now

    def _wait(self) -> float:
        deadline = time.monotonic() + 900
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return time.perf_counter() - self.t0
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start:\n"
                                       + "\n".join(self.log[-40:])) from None
                time.sleep(0.05)

    def since(self) -> float:
        return time.perf_counter() - self.t0

    def pss_mib(self) -> int:
        """Proportional memory of the master and every worker (MiB)."""
        pids, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                todo += [int(c) for c in task.read_text().split()]
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return round(total / 1024)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


# --------------------------------------------------------------------------
# The browser's requests


class _Csrf(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.token = None
        self.map: dict = {}
        self.options: list[str] = []
        self._select = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") == "csrfmiddlewaretoken":
            self.token = a.get("value")
        if tag == "div" and a.get("id") == "map":
            self.map = a
        if tag == "select" and a.get("id") == "level-select":
            self._select = True
        if tag == "option" and self._select:
            self.options.append(a.get("value"))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = False


class Client:
    """One browser session: cookies, log-in, timed GETs."""

    def __init__(self, server: Server):
        self.server = server
        self.base = f"http://127.0.0.1:{server.port}"
        jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(jar)
        self.opener = urllib.request.build_opener(cookies)

    def get(self, path: str, accept: str = "text/html") -> tuple[float, int, bytes]:
        req = urllib.request.Request(self.base + path, headers={"Accept": accept})
        t0 = time.perf_counter()
        try:
            with self.opener.open(req, timeout=300) as r:
                body, code = r.read(), r.status
        except urllib.error.HTTPError as e:
            body, code = e.read(), e.code
        return time.perf_counter() - t0, code, body

    def login(self, username: str, password: str) -> float:
        t0 = time.perf_counter()
        _, _, page = self.get("/inloggen/")
        p = _Csrf()
        p.feed(page.decode())
        data = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrfmiddlewaretoken": p.token}).encode()
        req = urllib.request.Request(self.base + "/inloggen/", data=data,
                                     headers={"Referer": self.base + "/inloggen/"})
        with self.opener.open(req, timeout=300) as r:
            r.read()
            if r.url.rstrip("/").endswith("inloggen"):
                raise RuntimeError(f"log-in as {username} failed")
        return time.perf_counter() - t0


def _timed(client: Client, path: str, accept: str = "text/html") -> dict:
    """The first request of ``path`` and the median of three repeats."""
    cold, code, body = client.get(path, accept)
    since_done = client.server.since()
    warm = statistics.median(client.get(path, accept)[0] for _ in range(3))
    if code != 200:
        raise RuntimeError(f"{path}: HTTP {code}: {body[:300]!r}")
    return {"since_start_s": round(since_done, 2),
            "seconds": round(cold, 3), "warm_s": round(warm, 3),
            "ratio": round(cold / warm, 1) if warm > 0 else None,
            "kib": round(len(body) / 1024, 1), "body": body}


def _layer_path(level: str, zoom: int, bbox: str) -> str:
    return f"/api/maps/layers/{urllib.parse.quote(level)}?zoom={zoom}&bbox={bbox}"


def map_session(client: Client) -> tuple[list[dict], dict[str, list[str]]]:
    """What map.js asks for, then each level of the menu; rows and place ids."""
    rows = []
    page = _timed(client, "/kaart/")
    p = _Csrf()
    p.feed(page.pop("body").decode())
    rows.append({"request": "map page /kaart/", **page})
    start, levels = p.map["data-start-level"], p.options
    ext = _timed(client, "/api/maps/extent", "application/json")
    bounds = json.loads(ext.pop("body"))["bounds"]
    rows.append({"request": "extent /api/maps/extent", **ext})
    zoom, centre = fit_bounds(bounds)
    ids: dict[str, list[str]] = {}
    for level in [start, *(lv for lv in levels if lv != start)]:
        z = zoom
        while True:
            got = _timed(client, _layer_path(level, z, view_bbox(centre, z)),
                         "application/geo+json")
            answer = json.loads(got.pop("body"))
            meta = answer["meta"]
            first = "first map, start level" if level == start else "first map"
            if meta["count"] or not meta.get("zoom_in"):
                # ("zoom in" at the start view takes milliseconds: not listed)
                rows.append({"request": f"{first}: {level} z{z}",
                             "features": meta["count"], **got})
            ids[level] = [f["id"] for f in answer["features"]
                          if f["properties"].get("visibility") == "public"]
            if level == start and z == zoom:
                # what the user waits for: the page, the extent, the layer
                waited = rows[0]["seconds"] + rows[1]["seconds"] + got["seconds"]
                rows.append({"request": "first map drawn (page + extent + layer)",
                             "seconds": round(waited, 3),
                             "since_start_s": got["since_start_s"]})
            if meta["count"] or not meta.get("zoom_in") or z >= 19:
                break
            z = max(z + 1, meta.get("min_zoom", z + 1))
    for level, parent in (("entrance", "block"), ("entrance", "building")):
        if ids.get(level) or not ids.get(parent) or level not in levels:
            continue
        # none in view: "Inzoomen" on a place of the parent level, as map.js
        # drills down (zoom unchanged, the parent instead of the view)
        path = (f"/api/maps/layers/{level}?zoom={z}&parent="
                f"{urllib.parse.quote(ids[parent][0])}&parent_level={parent}")
        got = _timed(client, path, "application/geo+json")
        answer = json.loads(got.pop("body"))
        rows.append({"request": f"first map: {level} in a {parent} (drill-down)",
                     "features": answer["meta"]["count"], **got})
        ids[level] = [f["id"] for f in answer["features"]
                      if f["properties"].get("visibility") == "public"]
    return rows, ids


def profile_rows(client: Client, ids: dict[str, list[str]], label: str) -> list[dict]:
    rows = []
    coarse = next((lv for lv in ("buurt", "wijk", "gemeente") if ids.get(lv)), None)
    for level in ("entrance", "street", coarse):
        if level is None or not ids.get(level):
            continue
        pid = ids[level][len(ids[level]) // 2]
        got = _timed(client, f"/plaatsen/{level}/{urllib.parse.quote(pid)}/")
        got.pop("body")
        rows.append({"request": f"{label}: {level}", **got})
    return rows


# --------------------------------------------------------------------------
# Workspaces


def _cli(ws: Path, *args, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([VEERKRACHT, "--workspace", str(ws), *args], env=env,
                          check=True, capture_output=True, text=True, timeout=3600)


def _data() -> Path:
    return Path(os.environ.get("VEERKRACHT_SHARED_DATA",
                               str(ROOT.parent / "shared" / "data")))


def build_real(ws: Path, env: dict) -> float:
    data = _data()
    t0 = time.perf_counter()
    for args in (
        ["import", "addresses", str(data / "ljpc_adressen_Groningen.csv.zst"),
         str(data / "ljpc_adressen_Flevoland.csv.zst")],
        ["import", "wijken",
         str(data / "cbs_wijken_2024_groningen_flevoland_geoinzicht.gpkg")],
        ["import", "gemeenten",
         str(data / "cbs_gemeenten_2022_nl_kerncijfers_tmap.gpkg")],
        ["places"],
        ["synth", "households", "--seed", "1", "--signals"],
        ["compute"],
    ):
        _cli(ws, *args, env=env)
    return time.perf_counter() - t0


def _prepare(ws: Path, env: dict) -> tuple[str, str, str]:
    """Migrate and create the account; (username, password, area)."""
    _cli(ws, "serve", "--manage", "migrate", "--verbosity", "0", env=env)
    username, password = "wijkteam-gemeente", secrets.token_urlsafe(16)
    code = f"USERNAME, PASSWORD = {username!r}, {password!r}\n" + _USER
    out = _cli(ws, "serve", "--manage", "shell", "-c", code, env=env)
    return username, password, "gemeente " + out.stdout.strip().splitlines()[-1]


def _dwellings(ws: Path) -> int:
    from veerkracht.store import open_workspace

    with open_workspace(ws) as w:
        return int(w.info("dwellings").rows)


def measure(kind: str, ws: Path, env: dict, run: int) -> list[dict]:
    """One start of the server with the map first, one with a profile first."""
    user, password, area = _prepare(ws, env)
    data = f"{kind}: {_dwellings(ws):,} dwellings, frontline professional, {area}"
    rows = []
    load = round(os.getloadavg()[0], 2)
    server = Server(ws, env)
    try:
        head = {"case": kind, "run": run, "load": load, "data": data}
        rows.append({**head, "request": "listening (port accepts)",
                     "since_start_s": round(server.listening, 2),
                     "prepare_s": round(server.marks.get("warm_end", 0)
                                            - server.marks.get("warm_start", 0), 2)})
        client = Client(server)
        took = client.login(user, password)
        rows.append({**head, "request": "log-in", "seconds": round(took, 3),
                     "since_start_s": round(server.since(), 2)})
        maps, ids = map_session(client)
        rows += [{**head, **r} for r in maps]
        rows += [{**head, **r} for r in profile_rows(client, ids, "profile after map")]
        rows[0]["server_mib"] = server.pss_mib()
    finally:
        server.stop()
    server = Server(ws, env)
    try:
        head = {"case": kind, "run": run, "load": round(os.getloadavg()[0], 2),
                "data": data}
        rows.append({**head, "request": "listening (second start)",
                     "since_start_s": round(server.listening, 2),
                     "prepare_s": round(server.marks.get("warm_end", 0)
                                        - server.marks.get("warm_start", 0), 2)})
        client = Client(server)
        client.login(user, password)
        rows += [{**head, **r} for r in profile_rows(client, ids, "profile first")]
    finally:
        server.stop()
    for i, r in enumerate(rows):
        if i:
            r.pop("data")  # said once per start
        if r["request"].startswith(("first map drawn", "profile first")):
            r["target_met"] = "yes" if r["seconds"] <= TARGET[kind] else "NO"
    return rows


def run(quick: bool) -> list[dict]:
    """Both workspaces, each measured twice (``--quick``: the demo once)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-first-"))
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_SETTINGS_MODULE", "VEERKRACHT_WORKSPACE")}
    env["DJANGO_SETTINGS_MODULE"] = "veerkracht.web.conf.dev"
    rows = []
    try:
        demo = tmp / "demo"
        _cli(demo, "demo", "--no-serve", env=env)
        for i in range(1 if quick else 2):
            rows += measure("demo", demo, env, i + 1)
        if quick:
            return rows
        real = tmp / "ljpc"
        given = os.environ.get("VEERKRACHT_BENCH_WORKSPACE")
        if given:
            shutil.copytree(given, real)
            setup = None
        else:
            setup = build_real(real, env)
        first = len(rows)
        for i in range(2):
            rows += measure("LJPc", real, env, i + 1)
        if setup is not None:
            rows[first]["setup_s"] = round(setup)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick="--quick" in sys.argv):
        print(row)

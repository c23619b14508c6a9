/// The admin listener's `GET /`: one self-contained page (no outside resources: no CDN, fonts,
/// or images from elsewhere) that polls `/stats` and draws it.
enum Dashboard {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Portico dashboard</title>
        <style>
        :root { --bg: #f5f6f8; --card: #fff; --line: #e3e6ea; --text: #1f2328; --muted: #656d76;
                --accent: #2563eb; --green: #1a7f37; --green-bg: #dafbe1; --red: #cf222e; --red-bg: #ffebe9;
                --amber: #9a6700; --amber-bg: #fff3c4; --grey: #57606a; --grey-bg: #eaeef2; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--text); font-size: 14px; line-height: 1.4;
               font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        header { background: var(--card); border-bottom: 1px solid var(--line); }
        .bar-top { max-width: 1200px; margin: 0 auto; padding: 12px 20px;
                   display: flex; align-items: center; gap: 12px; }
        .logo { font-weight: 700; font-size: 18px; letter-spacing: -0.01em; }
        .version { color: var(--muted); font-size: 13px; }
        .spacer { flex: 1; }
        .pill { display: inline-flex; align-items: center; gap: 6px; padding: 3px 10px; border-radius: 999px;
                font-size: 12px; font-weight: 600; background: var(--grey-bg); color: var(--grey); }
        .pill::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
        .pill.status-live { background: var(--green-bg); color: var(--green); }
        .pill.status-error { background: var(--red-bg); color: var(--red); }
        .header-uptime { color: var(--muted); font-size: 13px; }
        main { max-width: 1200px; margin: 0 auto; padding: 20px; display: grid; gap: 16px; }
        .cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 16px; }
        .grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
                padding: 14px 16px; min-width: 0; }
        .label, th { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em;
                     font-weight: 600; }
        .value { font-size: 26px; font-weight: 650; margin-top: 4px; font-variant-numeric: tabular-nums; }
        .sub { color: var(--muted); font-size: 12px; margin-top: 2px; font-variant-numeric: tabular-nums; }
        h2 { font-size: 13px; margin: 0 0 8px; font-weight: 600; }
        svg.chart { display: block; width: 100%; height: 160px; }
        svg.chart text { font-size: 11px; fill: var(--muted); font-family: inherit; }
        svg.chart .grid { stroke: var(--line); stroke-width: 1; }
        .meter { height: 12px; border-radius: 6px; background: var(--grey-bg); overflow: hidden; margin: 10px 0 6px; }
        .meter > div { height: 100%; width: 0; background: var(--accent); border-radius: 6px; transition: width 0.4s; }
        dl.kv { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px 16px; margin: 12px 0 0; }
        dl.kv div { min-width: 0; }
        dl.kv dt { color: var(--muted); font-size: 12px; }
        dl.kv dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
        .scroll { overflow-x: auto; }
        table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
        tbody tr:last-child td { border-bottom: none; }
        tbody tr:hover { background: #f8f9fb; }
        td.num, th.num { text-align: right; }
        td.backend .balance { color: var(--muted); font-size: 12px; margin-left: 6px; }
        td.backend.repeat { color: var(--muted); }
        td.address { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
        .tag { font-family: system-ui, sans-serif; font-size: 11px; color: var(--grey); background: var(--grey-bg);
               border-radius: 4px; padding: 1px 5px; margin-left: 6px; }
        .health, .breaker { font-weight: 600; }
        .health::before, .breaker::before { content: ""; display: inline-block; width: 8px; height: 8px;
               border-radius: 50%; margin-right: 6px; background: currentColor; vertical-align: 0; }
        .health-up, .breaker-closed { color: var(--green); }
        .health-down, .breaker-open { color: var(--red); }
        .breaker-half-open { color: var(--amber); }
        .health-unchecked, .breaker-off, .health-unknown, .breaker-unknown { color: var(--grey); }
        tr.state-down td, tr.state-open td { background: #fff8f7; }
        td.bad { color: var(--red); }
        .empty { color: var(--muted); text-align: center; padding: 18px; }
        @media (max-width: 800px) { .cards { grid-template-columns: 1fr 1fr; } .grid2 { grid-template-columns: 1fr; } }
        </style>
        </head>
        <body>
        <header><div class="bar-top">
          <span class="logo">Portico</span><span class="version" id="version"></span>
          <span class="spacer"></span>
          <span class="header-uptime">up <span id="uptime">-</span></span>
          <span class="pill" id="status">connecting</span>
        </div></header>
        <main>
          <section class="cards">
            <div class="card"><div class="label">Requests / s</div><div class="value" id="rps">-</div>
              <div class="sub" id="requests-total">-</div></div>
            <div class="card"><div class="label">Cache hit ratio</div><div class="value" id="hit-ratio">-</div>
              <div class="sub" id="hit-detail">-</div></div>
            <div class="card"><div class="label">Connections</div><div class="value" id="connections-open">-</div>
              <div class="sub" id="connections-accepted">-</div></div>
            <div class="card"><div class="label">Errors (5xx)</div><div class="value" id="errors-5xx">-</div>
              <div class="sub" id="status-classes">-</div></div>
          </section>
          <section class="grid2">
            <div class="card"><h2>Requests per second</h2><svg class="chart" id="rps-chart"></svg></div>
            <div class="card"><h2>Cache hit ratio</h2><svg class="chart" id="hit-chart"></svg></div>
          </section>
          <section class="grid2">
            <div class="card"><h2>Cache</h2>
              <div class="sub" id="cache-text">-</div>
              <div class="meter" id="cache-meter"><div id="cache-fill"></div></div>
              <dl class="kv">
                <div><dt>Entries</dt><dd id="cache-entries">-</dd></div>
                <div><dt>Hits</dt><dd id="cache-hits">-</dd></div>
                <div><dt>Misses</dt><dd id="cache-misses">-</dd></div>
                <div><dt>Stale</dt><dd id="cache-stale">-</dd></div>
                <div><dt>Coalesced</dt><dd id="cache-coalesced">-</dd></div>
                <div><dt>Evictions</dt><dd id="cache-evictions">-</dd></div>
              </dl>
            </div>
            <div class="card"><h2>Traffic and events</h2>
              <dl class="kv">
                <div><dt>Received</dt><dd id="bytes-received">-</dd></div>
                <div><dt>Sent</dt><dd id="bytes-sent">-</dd></div>
                <div><dt>Requests</dt><dd id="requests-count">-</dd></div>
                <div><dt>Health down</dt><dd id="ev-health-down">-</dd></div>
                <div><dt>Health up</dt><dd id="ev-health-up">-</dd></div>
                <div><dt>Breaker opened</dt><dd id="ev-breaker-opened">-</dd></div>
                <div><dt>Breaker half-open</dt><dd id="ev-breaker-half-opened">-</dd></div>
                <div><dt>Breaker closed</dt><dd id="ev-breaker-closed">-</dd></div>
              </dl>
            </div>
          </section>
          <section class="card"><h2>Backends</h2>
            <div class="scroll"><table>
              <thead><tr><th>Backend</th><th>Server</th><th class="num">Weight</th><th>Health</th><th>Breaker</th>
                <th class="num">In flight</th><th class="num">Requests</th><th class="num">Failures</th>
                <th class="num">p99 (ms)</th></tr></thead>
              <tbody id="servers"><tr><td colspan="9" class="empty">waiting for stats</td></tr></tbody>
            </table></div>
          </section>
        </main>
        <script>
        (function () {
          "use strict";
          const WINDOW = 300, POLL_MS = 1000, MIN_STEP = 0.5;
          const HEALTH = ["up", "down", "unchecked"], BREAKER = ["closed", "open", "half-open", "off"];
          const SVG = "http://www.w3.org/2000/svg";
          const DOT = " " + String.fromCharCode(183) + " ";
          let history = [], cacheOff = false;
          const $ = (id) => document.getElementById(id);
          const num = (v) => (typeof v === "number" && isFinite(v) ? v : 0);
          const count = (v) => Math.round(num(v)).toLocaleString("en-US");
          const set = (id, text) => { const e = $(id); if (e) e.textContent = text; };

          function bytes(n) {
            n = num(n);
            const units = ["B", "KiB", "MiB", "GiB", "TiB"];
            let i = 0;
            while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
            return (i === 0 ? String(n) : n.toFixed(n < 10 ? 2 : 1)) + " " + units[i];
          }
          function duration(s) {
            s = Math.floor(num(s));
            const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60, r = s % 60;
            const two = (x) => (x < 10 ? "0" : "") + x;
            if (d > 0) return d + "d " + h + "h " + two(m) + "m";
            if (h > 0) return h + "h " + two(m) + "m " + two(r) + "s";
            if (m > 0) return m + "m " + two(r) + "s";
            return r + "s";
          }
          function rate(r) {
            return r < 10 ? r.toFixed(2) : r < 100 ? r.toFixed(1) : Math.round(r).toLocaleString("en-US");
          }
          function percent(x) { return (x * 100).toFixed(1) + "%"; }
          function ms(seconds) {
            const v = num(seconds) * 1000;
            return v < 1 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString("en-US");
          }

          // One point per poll at least MIN_STEP apart: requests/s and hit ratio over the step.
          function record(s) {
            const t = num(s.uptime_seconds), c = s.cache || {};
            const total = num((s.requests || {}).total), hits = num(c.hits), misses = num(c.misses);
            let prev = history.length ? history[history.length - 1] : null;
            if (prev && (t < prev.t || total < prev.total || hits < prev.hits || misses < prev.misses)) {
              history = []; prev = null;  // restarted: the counters began again
            }
            if (prev && t - prev.t < MIN_STEP) return prev;
            const point = { t: t, total: total, hits: hits, misses: misses };
            if (prev) {
              const lookups = hits - prev.hits + misses - prev.misses;
              point.rps = (total - prev.total) / (t - prev.t);
              point.hit = lookups > 0 ? (hits - prev.hits) / lookups : num(c.hit_ratio);
            } else {
              point.rps = t > 0 ? total / t : 0;
              point.hit = num(c.hit_ratio);
            }
            if (c.enabled === false) point.hit = null;
            history.push(point);
            while (history.length > 1 && t - history[0].t > WINDOW) history.shift();
            return point;
          }

          function el(name, attrs, parent) {
            const e = document.createElementNS(SVG, name);
            for (const k in attrs) e.setAttribute(k, attrs[k]);
            if (parent) parent.appendChild(e);
            return e;
          }
          // A top of the scale whose quarters are round numbers.
          function niceMax(v) {
            const step = Math.max(v, 1) / 4, p = Math.pow(10, Math.floor(Math.log10(step))), f = step / p;
            return [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 10].find((n) => f <= n + 1e-9) * p * 4;
          }
          const tick = (v) => (v >= 1000 ? +(v / 1000).toFixed(1) + "k" : String(+v.toFixed(2)));
          function spanLabel(s) { return s >= 120 ? "-" + +(s / 60).toFixed(1) + "m" : "-" + Math.round(s) + "s"; }

          function chart(svg, key, opts) {
            const w = Math.max(svg.clientWidth, 200), h = Math.max(svg.clientHeight, 100);
            svg.setAttribute("viewBox", "0 0 " + w + " " + h);
            while (svg.firstChild) svg.removeChild(svg.firstChild);
            const L = 52, R = 10, T = 8, B = 22, pw = w - L - R, ph = h - T - B;
            const pts = history.filter((p) => p[key] !== null && p[key] !== undefined);
            const now = history.length ? history[history.length - 1].t : 0;
            const seen = history.length ? now - history[0].t : 0;
            const span = Math.min(WINDOW, Math.max(60, Math.ceil(seen / 30) * 30));
            const max = opts.max || niceMax(Math.max.apply(null, pts.map((p) => p[key]).concat([0])) * 1.15);
            const x = (t) => L + pw * (1 - (now - t) / span), y = (v) => T + ph * (1 - Math.min(v, max) / max);
            for (let i = 0; i <= 4; i++) {
              const v = (max * i) / 4, yy = Math.round(y(v)) + 0.5;
              el("line", { x1: L, x2: w - R, y1: yy, y2: yy, class: "grid" }, svg);
              el("text", { x: L - 6, y: yy + 4, "text-anchor": "end" }, svg).textContent = opts.format(v);
            }
            [[span, "start"], [span / 2, "middle"], [0, "end"]].forEach((a) => {
              const label = a[0] === 0 ? "now" : spanLabel(a[0]);
              el("text", { x: L + pw * (1 - a[0] / span), y: h - 6, "text-anchor": a[1] }, svg).textContent = label;
            });
            if (pts.length === 0) {
              const note = el("text", { x: L + pw / 2, y: T + ph / 2, "text-anchor": "middle" }, svg);
              note.textContent = opts.empty || "waiting for data";
              return;
            }
            if (pts.length === 1) {
              el("circle", { cx: x(pts[0].t), cy: y(pts[0][key]), r: 3, fill: opts.color }, svg);
              return;
            }
            const line = pts.map((p, i) => (i ? "L" : "M") + x(p.t).toFixed(1) + "," + y(p[key]).toFixed(1)).join(" ");
            const base = "," + (T + ph);
            const first = x(pts[0].t).toFixed(1), last = x(pts[pts.length - 1].t).toFixed(1);
            const area = line + " L" + last + base + " L" + first + base + " Z";
            el("path", { d: area, fill: opts.color, "fill-opacity": 0.12, stroke: "none" }, svg);
            el("path", { d: line, fill: "none", stroke: opts.color, "stroke-width": 2, "stroke-linejoin": "round" },
              svg);
          }

          function cell(tr, text, cls) {
            const td = document.createElement("td");
            if (cls) td.className = cls;
            td.textContent = text;
            tr.appendChild(td);
            return td;
          }
          function state(word, known, kind) {
            const w = String(word || "unknown");
            return { text: w, cls: kind + " " + kind + "-" + (known.indexOf(w) >= 0 ? w : "unknown") };
          }

          function servers(backends) {
            const body = $("servers");
            body.textContent = "";
            let rows = 0;
            (backends || []).forEach((b) => {
              (b.servers || []).forEach((s, i) => {
                const tr = document.createElement("tr");
                tr.setAttribute("data-server", String(s.address));
                tr.setAttribute("data-backend", String(b.name));
                const name = cell(tr, String(b.name), "backend" + (i ? " repeat" : ""));
                if (!i && b.balance) {
                  const tag = document.createElement("span");
                  tag.className = "balance";
                  tag.textContent = String(b.balance);
                  name.appendChild(tag);
                }
                const address = cell(tr, String(s.address), "address");
                if (s.backup) {
                  const tag = document.createElement("span");
                  tag.className = "tag";
                  tag.textContent = "backup";
                  address.appendChild(tag);
                }
                cell(tr, count(s.weight), "num weight");
                const health = state(s.health, HEALTH, "health"), breaker = state(s.breaker, BREAKER, "breaker");
                cell(tr, health.text, health.cls);
                cell(tr, breaker.text, breaker.cls);
                tr.className = "state-" + health.text + (breaker.text === "open" ? " state-open" : "");
                cell(tr, count(s.in_flight), "num in-flight");
                cell(tr, count(s.requests), "num requests");
                cell(tr, count(s.failures), "num failures" + (num(s.failures) > 0 ? " bad" : ""));
                const latency = s.latency || {};
                cell(tr, num(latency.count) > 0 ? ms(latency.p99_seconds) : "-", "num p99");
                body.appendChild(tr);
                rows++;
              });
            });
            if (!rows) {
              const tr = document.createElement("tr");
              cell(tr, "no backends", "empty").setAttribute("colspan", "9");
              body.appendChild(tr);
            }
          }

          function render(s) {
            const point = record(s), req = s.requests || {}, c = s.cache || {}, conn = s.connections || {};
            const ev = s.events || {}, by = s.bytes || {};
            cacheOff = c.enabled === false;
            set("version", s.version ? "v" + s.version : "");
            set("uptime", duration(s.uptime_seconds));
            set("rps", rate(num(point.rps)));
            set("requests-total", count(req.total) + " requests in total");
            set("hit-ratio", c.enabled === false ? "off" : percent(num(point.hit)));
            set("hit-detail", c.enabled === false ? "cache disabled" : percent(num(c.hit_ratio)) + " since start");
            set("connections-open", count(conn.open));
            set("connections-accepted", count(conn.accepted) + " accepted");
            set("errors-5xx", count(req["5xx"]));
            set("status-classes", ["2xx", "3xx", "4xx"].map((k) => k + " " + count(req[k])).join(DOT));
            const capacity = num(c.capacity_bytes), used = num(c.bytes);
            const fill = capacity > 0 ? Math.min(1, used / capacity) : 0;
            $("cache-fill").style.width = (fill * 100).toFixed(2) + "%";
            $("cache-meter").title = percent(fill) + " full";
            set("cache-text", c.enabled === false ? "cache disabled"
              : bytes(used) + " of " + bytes(capacity) + " (" + percent(fill) + ")");
            set("cache-entries", count(c.entries));
            ["hits", "misses", "stale", "coalesced", "evictions"].forEach((k) => set("cache-" + k, count(c[k])));
            set("bytes-received", bytes(by.received));
            set("bytes-sent", bytes(by.sent));
            set("requests-count", count(req.total));
            ["health_down", "health_up", "breaker_opened", "breaker_half_opened", "breaker_closed"].forEach((k) =>
              set("ev-" + k.split("_").join("-"), count(ev[k])));
            servers(s.backends);
            draw();
          }

          function draw() {
            chart($("rps-chart"), "rps", { color: "#2563eb", format: tick });
            const percentTick = (v) => Math.round(v * 100) + "%", empty = cacheOff ? "cache disabled" : "";
            chart($("hit-chart"), "hit", { color: "#1a7f37", max: 1, format: percentTick, empty: empty });
          }

          function status(ok) {
            const e = $("status");
            e.textContent = ok ? "live" : "stats unavailable";
            e.className = "pill " + (ok ? "status-live" : "status-error");
          }

          async function poll() {
            try {
              const response = await fetch("stats", { cache: "no-store", headers: { Accept: "application/json" } });
              if (!response.ok) throw new Error("HTTP " + response.status);
              render(await response.json());
              status(true);
              $("status").title = "";
            } catch (error) {
              status(false);
              $("status").title = String(error);
            }
            setTimeout(poll, POLL_MS);
          }

          window.addEventListener("resize", draw);
          draw();
          poll();
        })();
        </script>
        </body>
        </html>
        """
}

/* forcewatch dashboard: map, timeline, filters and the evidence panel.
 *
 * Everything that comes from documents or events is untrusted: it is put on the page with
 * textContent / createTextNode only, never innerHTML. No network but this server.
 */
(function () {
  "use strict";

  const PAGE = 1000; // events loaded for the map and timeline (the API's max page size)
  const ADMIRALTY_SOURCE = {
    A: "completely reliable", B: "usually reliable", C: "fairly reliable",
    D: "not usually reliable", E: "unreliable", F: "reliability cannot be judged",
  };
  const ADMIRALTY_INFO = {
    1: "confirmed by other sources", 2: "probably true", 3: "possibly true",
    4: "doubtful", 5: "improbable", 6: "truth cannot be judged",
  };
  const FIELD_LABELS = {
    sentence: "sentence", trigger: "trigger", source: "who says so", location: "place",
    origin: "from", destination: "to", time: "time", equipment: "equipment", actor: "actor", target: "target",
  };

  const state = {
    events: [], byId: new Map(), total: 0, selected: null,
    markers: new Map(), // group key -> {marker, ids}
    markerOf: new Map(), // event id -> group key
    items: new Map(), // event id -> timeline element
    meta: null, uncertainty: null, fitted: false, seq: 0,
  };

  // -- small DOM helpers (text only) ----------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === "class") node.className = v;
        else if (k === "text") node.textContent = v;
        else if (k.startsWith("data-")) node.setAttribute(k, String(v));
        else if (k === "title") node.title = String(v);
        else if (k === "type") node.type = v;
        else node.setAttribute(k, String(v));
      }
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }
  const $ = (sel) => document.querySelector(sel);

  function setStatus(text, isError) {
    const s = $("#status");
    s.textContent = text;
    s.classList.toggle("error", !!isError);
  }

  async function api(path) {
    const res = await fetch(path, { headers: { Accept: "application/json" } });
    let body = null;
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) {
      const msg = body && body.error ? body.error.message : `${res.status} ${res.statusText}`;
      throw new Error(msg);
    }
    return body;
  }

  // -- formatting -------------------------------------------------------------
  function colorOf(ev) {
    const known = ["arrive", "depart", "withdraw", "deploy", "anchor", "transit", "load", "presence", "basing", "no_comment"];
    return `var(--c-${known.includes(ev.subtype) ? ev.subtype : "other"})`;
  }
  function what(ev) {
    let s = ev.subtype ? `${ev.subtype}` : ev.type.toLowerCase();
    const gear = (ev.equipment || []).map((e) => (e.count ? `${e.count}× ` : "") + e.name).join(", ");
    if (gear) s += ` · ${gear}`;
    return s;
  }
  function when(ev) {
    const t = ev.time;
    if (!t) return "undated";
    let s = t.start === t.end ? t.start : `${t.start} – ${t.end}`;
    if (t.precision && t.precision !== "day") s += ` (${t.precision})`;
    return s;
  }
  function who(ev) {
    const src = ev.source;
    if (!src) return "unattributed";
    let s = src.name ? `${src.name} (${src.kind})` : src.kind;
    if (src.affiliation && src.affiliation !== src.name) s += `, ${src.affiliation}`;
    return s;
  }
  function gradeText(grade) {
    if (!grade) return "ungraded";
    const a = ADMIRALTY_SOURCE[grade.reliability];
    const b = ADMIRALTY_INFO[grade.information];
    return [a && `source ${a}`, b && `information ${b}`].filter(Boolean).join("; ");
  }
  function fixed(x, n) { return typeof x === "number" ? x.toFixed(n) : "?"; }

  // -- the map ----------------------------------------------------------------
  const map = L.map("map", { zoomControl: true, worldCopyJump: true, preferCanvas: false, minZoom: 2, maxZoom: 13 })
    .setView([35.0, 36.5], 7);
  map.attributionControl.setPrefix("Leaflet");
  const eventLayer = L.layerGroup().addTo(map);
  // Site names are labelled on the map once zoomed in enough for them not to pile up.
  const labelZoom = () => map.getContainer().classList.toggle("far", map.getZoom() < 7);
  map.on("zoomend", labelZoom);
  labelZoom();
  const siteLayer = L.layerGroup().addTo(map);

  async function loadBasemap() {
    try {
      const res = await fetch("/static/basemap/countries.geojson");
      const data = await res.json();
      L.geoJSON(data, {
        interactive: false,
        style: { color: "#8f98a3", weight: 0.8, fillColor: "#f3f1ea", fillOpacity: 1 },
      }).addTo(map).bringToBack();
      map.attributionControl.addAttribution("Country outlines: Natural Earth (public domain) via world-atlas");
    } catch (e) {
      setStatus("basemap not available: " + e.message, true);
    }
  }

  async function loadSites() {
    try {
      const body = await api("/api/sites");
      for (const s of body.items) {
        if (typeof s.lat !== "number" || typeof s.lon !== "number") continue;
        const ring = L.circle([s.lat, s.lon], {
          radius: (s.radius_km || 1) * 1000, color: "#555", weight: 1, dashArray: "3 3", fill: false, interactive: false,
        });
        const dot = L.circleMarker([s.lat, s.lon], { radius: 3, color: "#333", weight: 1, fillColor: "#fff", fillOpacity: 1 });
        dot.bindTooltip(el("span", { text: s.name }), { permanent: true, direction: "right", offset: [6, 0], className: "site-label" });
        siteLayer.addLayer(ring);
        siteLayer.addLayer(dot);
      }
    } catch (e) { /* sites are decoration */ }
  }

  function located(ev) {
    const loc = ev.location;
    return !!loc && typeof loc.lat === "number" && typeof loc.lon === "number";
  }

  // Markers closer than CLUSTER_PX on screen are drawn as one, with a count; clicking it zooms
  // in to separate them, or (same spot) lists them. Recomputed at every zoom.
  const CLUSTER_PX = 24;

  function drawMarkers() {
    eventLayer.clearLayers();
    state.markers.clear();
    state.markerOf.clear();
    const clusters = [];
    for (const ev of state.events) {
      if (!located(ev)) continue;
      const pt = map.project([ev.location.lat, ev.location.lon], map.getZoom());
      let home = null;
      for (const c of clusters) {
        if (Math.abs(c.pt.x - pt.x) <= CLUSTER_PX && Math.abs(c.pt.y - pt.y) <= CLUSTER_PX) { home = c; break; }
      }
      if (!home) { home = { pt, evs: [] }; clusters.push(home); }
      home.evs.push(ev);
    }
    clusters.forEach((c, n) => {
      const evs = c.evs;
      const key = `c${n}`;
      const first = evs[0];
      const spots = new Set(evs.map((e) => `${e.location.lat.toFixed(4)},${e.location.lon.toFixed(4)}`));
      const places = [...new Set(evs.map((e) => e.location.name))];
      const ids = evs.map((e) => e.id);
      const icon = L.divIcon({ className: "", html: "", iconSize: [22, 22], iconAnchor: [11, 11] });
      const marker = L.marker([first.location.lat, first.location.lon], { icon, keyboard: true, riseOnHover: true });
      marker.on("add", () => {
        const node = marker.getElement();
        if (!node) return;
        const n = evs.length;
        const label = n < 2 ? "" : n < 1000 ? String(n) : `${Math.floor(n / 1000)}k`;
        const dot = el("div", { class: "fw-marker" + (spots.size > 1 ? " cluster" : "") + (label.length > 2 ? " small" : ""), text: label });
        dot.style.setProperty("--c", spots.size > 1 ? "#39424e" : colorOf(first));
        if (ids.includes(state.selected)) dot.classList.add("selected");
        node.replaceChildren(dot);
        node.setAttribute("aria-label", `${evs.length} event(s) at ${places.join(", ")}`);
        node.setAttribute("data-event-ids", ids.join(" "));
        node.setAttribute("data-place", places.join(" | "));
        node.setAttribute("data-spots", String(spots.size));
      });
      marker.bindTooltip(el("span", { text: `${places.join(", ")}: ${evs.map(what).join("; ")}` }), { direction: "top", offset: [0, -10] });
      marker.on("click", () => onMarkerClick(key));
      eventLayer.addLayer(marker);
      state.markers.set(key, { marker, ids, spots: spots.size, evs });
      for (const ev of evs) state.markerOf.set(ev.id, key);
    });
  }

  function onMarkerClick(key) {
    const group = state.markers.get(key);
    if (!group) return;
    group.marker.closeTooltip();
    const ids = group.ids;
    if (group.spots > 1 && map.getZoom() < map.getMaxZoom()) {
      // Several places drawn as one: zoom in until they come apart.
      const b = L.latLngBounds(group.evs.map((e) => [e.location.lat, e.location.lon]));
      const z = Math.min(map.getMaxZoom(), Math.max(map.getZoom() + 1, map.getBoundsZoom(b.pad(0.5))));
      map.setView(b.getCenter(), z);
      return;
    }
    // Repeated clicks on a stack of events step through them.
    const i = ids.indexOf(state.selected);
    const next = i >= 0 ? ids[(i + 1) % ids.length] : ids[0];
    select(next, { from: "map" });
    if (ids.length > 1) {
      const list = el("ul", { class: "popup-list" });
      for (const id of ids) {
        const ev = state.byId.get(id);
        const b = el("button", { type: "button", "data-id": id, text: `${when(ev)} · ${what(ev)} · ${who(ev)}` });
        if (id === next) b.classList.add("current");
        b.addEventListener("click", () => {
          for (const other of list.querySelectorAll("button.current")) other.classList.remove("current");
          b.classList.add("current");
          select(id, { from: "popup" });
        });
        list.appendChild(el("li", null, b));
      }
      group.marker.bindPopup(list, { maxWidth: 360 }).openPopup();
    }
  }

  // -- the timeline -----------------------------------------------------------
  function dayOf(ev) { return ev.time ? ev.time.start : null; }

  function drawTimeline() {
    const tl = $("#timeline");
    tl.replaceChildren();
    state.items.clear();
    if (!state.events.length) {
      tl.appendChild(el("div", { class: "empty", text: "No events match these filters." }));
      return;
    }
    const days = new Map();
    for (const ev of state.events) {
      const d = dayOf(ev) || "undated";
      if (!days.has(d)) days.set(d, []);
      days.get(d).push(ev);
    }
    let prev = null;
    for (const [d, evs] of days) {
      if (prev && d !== "undated") {
        const gapDays = Math.round((Date.parse(d) - Date.parse(prev)) / 86400000) - 1;
        if (gapDays > 0) tl.appendChild(el("div", { class: "gap", text: `${gapDays} d` }));
      }
      const col = el("div", { class: "day", role: "group", "aria-label": d });
      col.appendChild(el("h4", { text: d }));
      for (const ev of evs) {
        const hasGeo = ev.location && typeof ev.location.lat === "number";
        const item = el("button", {
          type: "button",
          class: `item m-${ev.modality}${hasGeo ? "" : " nogeo"}`,
          "data-id": ev.id, role: "listitem",
          title: ev.sentence,
        },
        el("div", { class: "what", text: what(ev) }),
        el("div", { class: "where", text: ev.location ? ev.location.name : "—" }),
        el("div", { class: "who", text: `${who(ev)} · ${ev.modality}${ev.credibility ? " · " + ev.credibility.code : ""}` }));
        item.style.setProperty("--c", colorOf(ev));
        item.addEventListener("click", () => select(ev.id, { from: "timeline" }));
        col.appendChild(item);
        state.items.set(ev.id, item);
      }
      tl.appendChild(col);
      if (d !== "undated") prev = d;
    }
  }

  // -- selection --------------------------------------------------------------
  function select(id, opts) {
    const from = (opts && opts.from) || "code";
    const ev = state.byId.get(id);
    if (!ev) return;
    state.selected = id;
    for (const item of state.items.values()) item.classList.remove("selected", "grouped");
    for (const m of document.querySelectorAll(".fw-marker.selected")) m.classList.remove("selected");
    const item = state.items.get(id);
    if (item) {
      item.classList.add("selected");
      item.setAttribute("aria-current", "true");
      if (from !== "timeline") item.scrollIntoView({ block: "nearest", inline: "center" });
    }
    const key = markSelected(id);
    if (state.uncertainty) { state.uncertainty.remove(); state.uncertainty = null; }
    if (key) {
      const loc = ev.location;
      if (loc.radius_km) {
        state.uncertainty = L.circle([loc.lat, loc.lon], {
          radius: loc.radius_km * 1000, color: "#ff8c00", weight: 1.5, fillOpacity: 0.08, interactive: false,
        }).addTo(map);
      }
      if (from === "timeline" || from === "code") {
        if (!map.getBounds().pad(-0.1).contains([loc.lat, loc.lon])) map.panTo([loc.lat, loc.lon]);
      }
    }
    for (const node of document.querySelectorAll(".item[aria-current]")) if (node !== item) node.removeAttribute("aria-current");
    if (location.hash !== `#event=${id}`) history.replaceState(null, "", `#event=${encodeURIComponent(id)}`);
    showEvent(id);
  }

  // Highlight the marker holding this event and the other timeline items drawn with it.
  function markSelected(id) {
    for (const m of document.querySelectorAll(".fw-marker.selected")) m.classList.remove("selected");
    for (const item of document.querySelectorAll(".item.grouped")) item.classList.remove("grouped");
    const key = state.markerOf.get(id);
    if (!key) return null;
    const group = state.markers.get(key);
    for (const other of group.ids) if (other !== id && state.items.get(other)) state.items.get(other).classList.add("grouped");
    const node = group.marker.getElement();
    if (node && node.firstChild) node.firstChild.classList.add("selected");
    return key;
  }

  async function showEvent(id) {
    const seq = ++state.seq;
    const ev = state.byId.get(id);
    $("#panel-empty").hidden = true;
    $("#panel-event").hidden = false;
    $("#ev-title").textContent = `${ev.type}${ev.subtype ? " / " + ev.subtype : ""}`;
    renderFields(ev);
    $("#ev-doc-meta").textContent = "loading evidence…";
    $("#ev-text").replaceChildren();
    $("#ev-legend").replaceChildren();
    let body;
    try {
      body = await api(`/api/events/${encodeURIComponent(id)}`);
    } catch (e) {
      if (seq === state.seq) $("#ev-doc-meta").textContent = "evidence not available: " + e.message;
      return;
    }
    if (seq !== state.seq) return; // another event was selected meanwhile
    renderEvidence(body.event, body.evidence);
  }

  function renderFields(ev) {
    const dl = $("#ev-fields");
    dl.replaceChildren();
    const row = (k, v) => { if (v !== null && v !== undefined && v !== "") dl.append(el("dt", { text: k }), el("dd", null, v)); };
    const t = ev.time;
    row("When", t ? `${when(ev)}${t.inferred ? " (from the publication date)" : ""}${t.text ? ` — “${t.text}”` : ""}` : "undated");
    if (ev.location) {
      const l = ev.location;
      let s = l.name;
      if (typeof l.lat === "number") s += ` — ${fixed(l.lat, 4)}, ${fixed(l.lon, 4)}`;
      if (l.radius_km) s += ` ±${l.radius_km} km`;
      if (l.precision) s += ` (${l.precision})`;
      if (l.distance_km && l.anchor) s += `; ${l.distance_km} km ${l.bearing_deg != null ? `bearing ${l.bearing_deg}° ` : ""}from ${l.anchor}`;
      row("Where", s);
    } else row("Where", "no location");
    if (ev.origin) row("From", ev.origin.name);
    if (ev.destination) row("To", ev.destination.name);
    if (ev.actor) row("Who", ev.actor.name + (ev.actor.country ? ` (${ev.actor.country})` : ""));
    if (ev.target) row("Target", ev.target.name);
    const gear = (ev.equipment || []).map((e) => (e.count ? `${e.count_qualifier && e.count_qualifier !== "exact" ? e.count_qualifier.replace("_", " ") + " " : ""}${e.count}× ` : "") + e.name).join(", ");
    if (gear) row("Equipment", gear);
    const src = ev.source;
    row("Says who", el("span", { class: "says", text: who(ev) + (src && src.text ? ` — “${src.text}”` : "") }));
    row("Modality", el("span", { class: `modality m-${ev.modality}`, text: ev.modality }));
    const g = el("span", null, el("span", { class: "grade", text: ev.credibility ? ev.credibility.code : "—" }), " ", el("span", { class: "muted", text: gradeText(ev.credibility) }));
    row("Admiralty", g);
    if (ev.track_id) row("Track", ev.track_id);
  }

  function renderEvidence(rec, evidence) {
    const d = rec.doc || {};
    const meta = $("#ev-doc-meta");
    meta.replaceChildren();
    const title = d.title || d.path || d.id;
    meta.append(el("strong", { text: title || "document" }));
    const bits = [d.published, d.outlet].filter(Boolean).join(" · ");
    if (bits) meta.append(` — ${bits}`);
    if (d.url && /^https?:\/\//i.test(d.url)) {
      const a = el("a", { text: "source link", rel: "noopener noreferrer nofollow", target: "_blank" });
      a.href = d.url;
      meta.append(" · ", a);
    }
    if (!evidence.document_stored) meta.append(el("div", { text: "Document not stored: showing the sentence only." }));

    const used = new Set(["sentence", ...evidence.highlights.map((h) => h.field)]);
    const legend = $("#ev-legend");
    legend.replaceChildren();
    for (const f of used) {
      legend.append(el("span", null, el("span", { class: `sw f-${f}` }), FIELD_LABELS[f] || f));
    }

    // Cut the text at every span boundary; each piece gets the classes of the spans covering it.
    const text = evidence.text;
    const spans = [evidence.sentence, ...evidence.highlights];
    const cuts = new Set([0, text.length]);
    for (const s of spans) { cuts.add(s.start); cuts.add(s.end); }
    const points = [...cuts].filter((x) => x >= 0 && x <= text.length).sort((a, b) => a - b);
    const box = $("#ev-text");
    box.replaceChildren();
    let first = null;
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      const piece = text.slice(a, b);
      const fields = spans.filter((s) => s.start <= a && b <= s.end).map((s) => s.field);
      if (!fields.length) { box.appendChild(document.createTextNode(piece)); continue; }
      const node = el("span", { class: fields.map((f) => `f-${f}`).join(" "), "data-fields": fields.join(" ") });
      node.textContent = piece;
      if (fields.includes("sentence")) node.classList.add("in-sentence");
      box.appendChild(node);
      if (!first && fields.includes("sentence")) first = node;
    }
    if (first) {
      // Keep the page still; scroll only the document box.
      box.scrollTop = Math.max(0, first.offsetTop - box.offsetTop - 40);
    }
  }

  // -- filters and loading ----------------------------------------------------
  function fillSelect(name, values, labels) {
    const sel = document.querySelector(`#filters select[name=${name}]`);
    for (const v of values) sel.appendChild(el("option", { value: v, text: labels ? labels(v) : v }));
  }

  function queryString() {
    const form = $("#filters");
    const params = new URLSearchParams();
    for (const name of ["type", "subtype", "source_kind", "modality", "credibility", "since", "until", "q"]) {
      const v = form.elements[name].value.trim();
      if (v) params.set(name, v);
    }
    if (form.elements.inview.checked) {
      const b = map.getBounds();
      const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
      params.set("bbox", [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)].map((x) => x.toFixed(4)).join(","));
    }
    return params;
  }

  // The download link exports what the filters select (GET /api/export, the same filters).
  function updateDownload() {
    const params = queryString();
    params.set("format", $("#export-format").value);
    $("#download").href = `/api/export?${params}`;
  }

  let loading = 0;
  async function loadEvents() {
    const mine = ++loading;
    const params = queryString();
    updateDownload();
    params.set("limit", String(PAGE));
    params.set("order", "desc"); // when there are more than a page, show the latest
    setStatus("loading…");
    let body;
    try {
      body = await api(`/api/events?${params}`);
    } catch (e) {
      if (mine === loading) setStatus(e.message, true);
      return;
    }
    if (mine !== loading) return;
    // Oldest first on the timeline; undated (last in either order) stay at the end.
    const dated = body.items.filter((e) => e.time), undated = body.items.filter((e) => !e.time);
    state.events = dated.reverse().concat(undated);
    state.total = body.total;
    state.byId = new Map(state.events.map((e) => [e.id, e]));
    drawMarkers();
    drawTimeline();
    const onMap = state.events.filter(located).length;
    setStatus(`${body.total.toLocaleString("en")} event${body.total === 1 ? "" : "s"}${body.total > state.events.length ? ` (latest ${state.events.length} shown)` : ""}, ${onMap} on the map`);
    document.body.dataset.loaded = "true";
    if (!state.fitted && !$("#filters").elements.inview.checked) { fitEvents({ focus: true }); state.fitted = true; }
    const wanted = state.selected || decodeURIComponent((location.hash.match(/^#event=(.+)$/) || [])[1] || "");
    if (wanted && state.byId.has(wanted)) select(wanted, { from: "code" });
    else if (state.selected) {
      state.selected = null;
      $("#panel-event").hidden = true;
      $("#panel-empty").hidden = false;
    }
  }

  function fitEvents(opts) {
    let evs = state.events.filter(located);
    if (opts && opts.focus) {
      // First view: where most events are (the country holding 60 % or more of them), so a few
      // far-away events do not shrink the map; "Fit events" shows them all.
      const byCountry = new Map();
      for (const e of evs) if (e.location.country) byCountry.set(e.location.country, (byCountry.get(e.location.country) || 0) + 1);
      const [top, n] = [...byCountry.entries()].sort((a, b) => b[1] - a[1])[0] || [null, 0];
      if (top && n >= 0.6 * evs.length && n < evs.length) evs = evs.filter((e) => e.location.country === top);
    }
    const pts = evs.map((e) => [e.location.lat, e.location.lon]);
    if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.25), { maxZoom: 9 });
  }

  function debounce(fn, ms) {
    let t = null;
    return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
  }

  async function init() {
    loadBasemap();
    loadSites();
    try {
      state.meta = await api("/api/meta");
    } catch (e) {
      setStatus("API not reachable: " + e.message, true);
      return;
    }
    const m = state.meta;
    fillSelect("type", m.types);
    fillSelect("subtype", m.subtypes);
    fillSelect("source_kind", m.source_kinds);
    fillSelect("modality", m.modalities);
    fillSelect("credibility", m.credibility_letters, (v) => `${v} – ${ADMIRALTY_SOURCE[v]}`);
    if (m.tiles) {
      L.tileLayer(m.tiles, { maxZoom: 18, attribution: "online tiles (opt-in)" }).addTo(map);
    }
    const form = $("#filters");
    const reload = debounce(loadEvents, 250);
    form.addEventListener("change", reload);
    form.addEventListener("input", (e) => { if (e.target.name === "q") reload(); });
    form.addEventListener("submit", (e) => { e.preventDefault(); loadEvents(); });
    form.addEventListener("reset", () => setTimeout(loadEvents, 0));
    map.on("moveend", () => { if (form.elements.inview.checked) reload(); });
    map.on("zoomend", () => { drawMarkers(); if (state.selected) markSelected(state.selected); });
    $("#fit").addEventListener("click", () => fitEvents());
    $("#export-format").addEventListener("change", updateDownload);
    window.addEventListener("hashchange", () => {
      const m2 = location.hash.match(/^#event=(.+)$/);
      if (m2) { const id = decodeURIComponent(m2[1]); if (id !== state.selected) select(id, { from: "code" }); }
    });
    await loadEvents();
  }

  window.forcewatch = { state, select, map };
  init();
})();

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
    clusters: new Map(), // cluster id -> happening record (/api/clusters)
    selectedCluster: null, // the happening shown in the panel (its claims listed)
    shown: { report: true, sensor: true }, // report and sensor events can be hidden apart
    replay: null, // during a replay: the instant (ms) up to which events are on the map
    popupFor: null, // event ids whose marker popup re-opens after the map redraws
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
    const clockText = timeOfDay(t);
    if (clockText) s += ` ${clockText}`;
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
  function isSensor(ev) { return !!(ev.source && ev.source.kind === "sensor"); }
  function clock(iso) { return iso ? iso.slice(11, 16) : ""; }
  // Time of day of events with exact instants (sensor events), in UTC.
  function timeOfDay(t) {
    if (!t || !t.start_time) return "";
    const a = clock(t.start_time), b = clock(t.end_time);
    return b && b !== a && t.end_time.slice(0, 10) === t.start_time.slice(0, 10) ? `${a}–${b} UTC` : `${a} UTC`;
  }
  // The aircraft or vessel of a sensor event, as an analyst names it.
  function platformText(ev) {
    const p = ev.platform;
    if (!p) return "";
    if (p.platform === "aircraft") {
      return [p.registration, p.type_code, p.name && `callsign ${p.name}`, `ICAO ${p.ident}`, p.operator].filter(Boolean).join(" · ");
    }
    return [p.name, p.type_code, `MMSI ${p.ident}`, p.flag && `flag ${p.flag}`].filter(Boolean).join(" · ");
  }
  // The instant an event starts (ms): its exact time when known, else the start of its first day.
  function instant(ev) {
    const t = ev.time;
    if (!t) return Infinity;
    return Date.parse(t.start_time || `${t.start}T00:00:00Z`);
  }
  // The store's order (store/duck.py): by instant, a date alone before the timed events of its day,
  // then by document and id.
  function cmp(x, y) { return x < y ? -1 : x > y ? 1 : 0; }
  function byTime(a, b) {
    return instant(a) - instant(b) || (a.time.start_time ? 1 : 0) - (b.time.start_time ? 1 : 0)
      || cmp((a.doc && a.doc.id) || "", (b.doc && b.doc.id) || "") || cmp(a.id, b.id);
  }

  // -- the map ----------------------------------------------------------------
  const map = L.map("map", { zoomControl: true, worldCopyJump: true, preferCanvas: false, minZoom: 2, maxZoom: 13 })
    .setView([35.0, 36.5], 7);
  map.attributionControl.setPrefix("Leaflet");
  // Leaflet drops a setView made while a zoom animation runs (the first fit, a previous selection):
  // a move asked for then is made when that animation ends.
  let zooming = false;
  map.on("zoomanim", () => { zooming = true; });
  map.on("zoomend", () => { zooming = false; });
  function moveTo(center, z, opts) {
    if (zooming) map.once("zoomend", () => map.setView(center, z, opts));
    else map.setView(center, z, opts);
  }
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

  function isPoint(p) { return !!p && typeof p.lat === "number" && typeof p.lon === "number"; }
  // Where an event or happening goes on the map, as the exports put it (serve/export.py place_of):
  // its place, else where the forces went, else where they came from.
  function placeOf(x) {
    for (const p of [x.location || x.place, x.destination, x.origin]) if (isPoint(p)) return p;
    return null;
  }

  // -- happenings: the claims of one act, drawn and listed once -----------------
  // What is on show: the loaded events that pass the report/sensor toggles and, during a replay,
  // that started by the replay's instant; in time order (same-day events by time of day).
  function visibleEvents() {
    return state.events.filter((ev) => state.shown[isSensor(ev) ? "sensor" : "report"]
      && (state.replay === null || instant(ev) <= state.replay));
  }

  // The visible events grouped by happening, in time order. A happening the API did not list
  // (an old database) is its one event.
  function happenings() {
    const groups = new Map();
    for (const ev of visibleEvents()) {
      const id = ev.cluster_id || ev.id;
      if (!groups.has(id)) groups.set(id, { id, record: state.clusters.get(ev.cluster_id) || null, evs: [] });
      groups.get(id).evs.push(ev);
    }
    for (const h of groups.values()) {
      const r = h.record;
      const lead = h.evs[0];
      h.place = (r && placeOf(r)) || h.evs.map(placeOf).find(Boolean) || null;
      h.origin = r ? r.origin : lead.origin;
      h.destination = r ? r.destination : lead.destination;
      h.ids = h.evs.map((e) => e.id);
    }
    return [...groups.values()];
  }
  function happeningOf(id) { return happenings().find((h) => h.ids.includes(id)) || null; }
  function happeningText(h) {
    const r = h.record;
    if (!r || r.event_ids.length < 2) return what(h.evs[0]);
    let s = r.subtype || r.type.toLowerCase();
    const gear = (r.equipment || []).map((e) => (e.count ? `${e.count}× ` : "") + e.name).join(", ");
    return gear ? `${s} · ${gear}` : s;
  }

  // Markers closer than CLUSTER_PX on screen are drawn as one, with a count of happenings;
  // clicking it zooms in to separate them, or (same spot) lists them. Recomputed at every zoom.
  const CLUSTER_PX = 24;
  const moveLayer = L.layerGroup().addTo(map);

  function drawMarkers() {
    eventLayer.clearLayers();
    moveLayer.clearLayers();
    state.markers.clear();
    state.markerOf.clear();
    const groups = [];
    const all = happenings();
    for (const h of all) {
      if (!h.place) continue;
      const pt = map.project([h.place.lat, h.place.lon], map.getZoom());
      let home = null;
      for (const c of groups) {
        if (Math.abs(c.pt.x - pt.x) <= CLUSTER_PX && Math.abs(c.pt.y - pt.y) <= CLUSTER_PX) { home = c; break; }
      }
      if (!home) { home = { pt, hs: [] }; groups.push(home); }
      home.hs.push(h);
    }
    groups.forEach((g, n) => {
      const hs = g.hs;
      const key = `c${n}`;
      const first = hs[0];
      const evs = hs.flatMap((h) => h.evs);
      const spots = new Set(hs.map((h) => `${h.place.lat.toFixed(4)},${h.place.lon.toFixed(4)}`));
      const places = [...new Set(hs.map((h) => h.place.name))];
      const ids = evs.map((e) => e.id);
      const icon = L.divIcon({ className: "", html: "", iconSize: [22, 22], iconAnchor: [11, 11] });
      const marker = L.marker([first.place.lat, first.place.lon], { icon, keyboard: true, riseOnHover: true });
      marker.on("add", () => {
        const node = marker.getElement();
        if (!node) return;
        const k = hs.length;
        const label = k < 2 ? "" : k < 1000 ? String(k) : `${Math.floor(k / 1000)}k`;
        const claims = k === 1 && first.evs.length > 1;
        const dot = el("div", { class: "fw-marker" + (spots.size > 1 ? " cluster" : "") + (claims ? " claims" : "") + (label.length > 2 ? " small" : ""), text: label });
        dot.style.setProperty("--c", spots.size > 1 ? "#39424e" : colorOf(first.record || first.evs[0]));
        if (ids.includes(state.selected) || hs.some((h) => h.id === state.selectedCluster)) dot.classList.add("selected");
        node.replaceChildren(dot);
        node.setAttribute("aria-label", `${k} happening(s), ${evs.length} claim(s) at ${places.join(", ")}`);
        node.setAttribute("data-event-ids", ids.join(" "));
        node.setAttribute("data-cluster-ids", hs.map((h) => h.id).join(" "));
        node.setAttribute("data-place", places.join(" | "));
        node.setAttribute("data-spots", String(spots.size));
      });
      marker.bindTooltip(el("span", { text: `${places.join(", ")}: ${hs.map(happeningText).join("; ")}` }), { direction: "top", offset: [0, -10] });
      marker.on("click", () => onMarkerClick(key));
      eventLayer.addLayer(marker);
      state.markers.set(key, { marker, ids, spots: spots.size, evs, hs });
      for (const ev of evs) state.markerOf.set(ev.id, key);
      for (const h of hs) state.markerOf.set(h.id, key);
    });
    for (const h of all) drawMove(h);
    if (state.popupFor) {
      const key = state.markerOf.get(state.popupFor[0]);
      state.popupFor = null;
      if (key) openList(key);
    }
  }

  // A movement from its origin to its destination: a line with an arrowhead at the destination.
  function drawMove(h) {
    const a = h.origin, b = h.destination;
    if (!isPoint(a) || !isPoint(b) || (a.lat === b.lat && a.lon === b.lon)) return;
    const color = colorOf(h.record || h.evs[0]);
    const line = L.polyline([[a.lat, a.lon], [b.lat, b.lon]], { color, weight: 2.5, opacity: 0.85, dashArray: "6 4", className: "fw-move" });
    line.on("click", () => selectHappening(h.id, { from: "map" }));
    line.on("add", () => line.getElement() && line.getElement().setAttribute("data-cluster-id", h.id));
    moveLayer.addLayer(line);
    // Mercator keeps angles, so the bearing on screen is the same at every zoom.
    const p = map.project([a.lat, a.lon], 0), q = map.project([b.lat, b.lon], 0);
    const deg = Math.atan2(q.y - p.y, q.x - p.x) * 180 / Math.PI;
    const head = L.marker([b.lat, b.lon], {
      icon: L.divIcon({ className: "", html: "", iconSize: [16, 16], iconAnchor: [8, 8] }), interactive: false, keyboard: false,
    });
    head.on("add", () => {
      const node = head.getElement();
      if (!node) return;
      const arrow = el("div", { class: "fw-arrow", "data-cluster-id": h.id, "data-angle": deg.toFixed(1) });
      arrow.style.setProperty("--c", color);
      arrow.style.transform = `rotate(${deg}deg)`;
      node.replaceChildren(arrow);
    });
    moveLayer.addLayer(head);
  }

  function onMarkerClick(key) {
    const group = state.markers.get(key);
    if (!group) return;
    group.marker.closeTooltip();
    const ids = group.ids;
    if (group.spots > 1 && map.getZoom() < map.getMaxZoom()) {
      // Several places drawn as one: zoom in until they come apart.
      const b = L.latLngBounds(group.hs.map((h) => [h.place.lat, h.place.lon]));
      const z = Math.min(map.getMaxZoom(), Math.max(map.getZoom() + 1, map.getBoundsZoom(b.pad(0.5))));
      map.setView(b.getCenter(), z);
      return;
    }
    // Repeated clicks on a stack of claims step through them.
    const i = ids.indexOf(state.selected);
    const next = i >= 0 ? ids[(i + 1) % ids.length] : ids[0];
    const zoomed = group.hs.length === 1 && group.hs[0].evs.length > 1 && i < 0
      ? selectHappening(group.hs[0].id, { from: "map" }) : select(next, { from: "map" });
    if (ids.length > 1) {
      if (zoomed) state.popupFor = ids; // the markers are drawn anew at the new zoom: open it there
      else openList(key);
    }
  }

  // The claims of a marker, by happening, to pick from.
  function openList(key) {
    const group = state.markers.get(key);
    const list = el("ul", { class: "popup-list" });
    for (const h of group.hs) {
      if (h.evs.length > 1) {
        const head = el("button", { type: "button", class: "happening-head", "data-cluster-id": h.id, text: `${happeningText(h)} · ${h.evs.length} claims` });
        head.addEventListener("click", () => selectHappening(h.id, { from: "popup" }));
        list.appendChild(el("li", null, head));
      }
      for (const ev of h.evs) {
        const b = el("button", { type: "button", "data-id": ev.id, class: h.evs.length > 1 ? "claim" : null, text: `${when(ev)} · ${what(ev)} · ${who(ev)}` });
        if (ev.id === state.selected) b.classList.add("current");
        b.addEventListener("click", () => {
          for (const other of list.querySelectorAll("button.current")) other.classList.remove("current");
          b.classList.add("current");
          select(ev.id, { from: "popup" });
        });
        list.appendChild(el("li", null, b));
      }
    }
    group.marker.bindPopup(list, { maxWidth: 380, autoPan: false }).openPopup();
  }

  // Pan and zoom to what was selected: its place's uncertainty, and a movement's both ends.
  function focus(points, opts) {
    const pts = points.filter(isPoint);
    if (!pts.length) return;
    let b = null;
    for (const p of pts) {
      const r = Math.min(Math.max((p.radius_km || 1) * 1000, 1500), 300000);
      const pb = L.latLng(p.lat, p.lon).toBounds(2 * r);
      b = b ? b.extend(pb) : pb;
    }
    const z = Math.min(11, map.getBoundsZoom(b.pad(0.2)));
    const center = b.getCenter();
    const inView = map.getBounds().pad(-0.1).contains(b);
    if (inView && Math.abs(map.getZoom() - z) < 1) return false;
    const zooms = z !== map.getZoom();
    moveTo(center, z, { animate: !(opts && opts.instant) });
    return zooms; // true when the markers will be drawn anew
  }

  // -- the timeline: one card per happening, expandable into its claims ---------
  function dayOf(ev) { return ev.time ? ev.time.start : null; }

  function drawTimeline() {
    const tl = $("#timeline");
    tl.replaceChildren();
    state.items.clear();
    state.cards = new Map();
    const hs = happenings();
    if (!hs.length) {
      tl.appendChild(el("div", { class: "empty", text: state.events.length ? "Nothing to show: reports and sensors are both hidden, or the replay has not reached any event." : "No events match these filters." }));
      return;
    }
    const days = new Map();
    for (const h of hs) {
      const d = dayOf(h.evs[0]) || "undated";
      if (!days.has(d)) days.set(d, []);
      days.get(d).push(h);
    }
    let prev = null;
    for (const [d, group] of days) {
      if (prev && d !== "undated") {
        const gapDays = Math.round((Date.parse(d) - Date.parse(prev)) / 86400000) - 1;
        if (gapDays > 0) tl.appendChild(el("div", { class: "gap", text: `${gapDays} d` }));
      }
      const col = el("div", { class: "day", role: "group", "aria-label": d });
      col.appendChild(el("h4", { text: d }));
      for (const h of group) {
        if (h.evs.length === 1) { col.appendChild(itemOf(h.evs[0])); continue; }
        const r = h.record || {};
        const box = el("div", { class: "happening", "data-cluster-id": h.id });
        const card = el("button", { type: "button", class: "card", "aria-expanded": "false", title: "A happening: click to list its claims" },
          el("div", { class: "what", text: happeningText(h) }),
          el("div", { class: "where", text: h.place ? h.place.name : "—" }),
          el("div", { class: "who", text: `${h.evs.length} claims · ${r.n_sources || "?"} independent source${r.n_sources === 1 ? "" : "s"}${(r.contradicted_by || []).length ? ` · ${r.contradicted_by.length} contradict` : ""}${r.credibility ? " · " + r.credibility.code : ""}` }));
        card.style.setProperty("--c", colorOf(r.subtype ? r : h.evs[0]));
        card.addEventListener("click", () => {
          const open = !box.classList.contains("open");
          expand(h.id, open);
          if (open) selectHappening(h.id, { from: "timeline" });
        });
        const claims = el("div", { class: "claims" });
        for (const ev of h.evs) claims.appendChild(itemOf(ev));
        box.append(card, claims);
        col.appendChild(box);
        state.cards.set(h.id, box);
      }
      tl.appendChild(col);
      if (d !== "undated") prev = d;
    }
  }

  function itemOf(ev) {
    const hasGeo = !!placeOf(ev);
    const platform = platformText(ev);
    const item = el("button", {
      type: "button",
      class: `item m-${ev.modality}${hasGeo ? "" : " nogeo"}${isSensor(ev) ? " sensor" : ""}`,
      "data-id": ev.id, role: "listitem",
      title: ev.sentence,
    },
    el("div", { class: "what", text: what(ev) }),
    platform ? el("div", { class: "platform", text: platform }) : null,
    el("div", { class: "where", text: `${timeOfDay(ev.time) ? timeOfDay(ev.time) + " · " : ""}${placeText(ev)}` }),
    el("div", { class: "who", text: `${who(ev)} · ${ev.modality}${ev.credibility ? " · " + ev.credibility.code : ""}` }));
    item.style.setProperty("--c", colorOf(ev));
    item.addEventListener("click", () => select(ev.id, { from: "timeline" }));
    state.items.set(ev.id, item);
    return item;
  }

  // The place named in a timeline item: the event's own, else whence and where the forces went.
  function placeText(ev) {
    if (ev.location) return ev.location.name;
    const ends = [ev.origin && `from ${ev.origin.name}`, ev.destination && `to ${ev.destination.name}`].filter(Boolean);
    return ends.length ? ends.join(" ") : "—";
  }

  function expand(clusterId, open) {
    const box = state.cards && state.cards.get(clusterId);
    if (!box) return;
    box.classList.toggle("open", open);
    box.querySelector(".card").setAttribute("aria-expanded", String(open));
  }

  // -- selection --------------------------------------------------------------
  function clearSelection() {
    for (const node of document.querySelectorAll(".item.selected, .item.grouped, .happening .card.selected")) node.classList.remove("selected", "grouped");
    for (const node of document.querySelectorAll(".item[aria-current]")) node.removeAttribute("aria-current");
    for (const m of document.querySelectorAll(".fw-marker.selected")) m.classList.remove("selected");
    if (state.uncertainty) { state.uncertainty.remove(); state.uncertainty = null; }
  }

  function showUncertainty(p) {
    if (isPoint(p) && p.radius_km) {
      state.uncertainty = L.circle([p.lat, p.lon], {
        radius: p.radius_km * 1000, color: "#ff8c00", weight: 1.5, fillOpacity: 0.08, interactive: false,
      }).addTo(map);
    }
  }

  // Select one claim: highlight it everywhere, pan and zoom to it, show its evidence.
  // Returns true when the map zooms (its markers are then drawn anew).
  function select(id, opts) {
    const from = (opts && opts.from) || "code";
    const ev = state.byId.get(id);
    if (!ev) return false;
    state.selected = id;
    state.selectedCluster = ev.cluster_id || null;
    clearSelection();
    if (ev.cluster_id) expand(ev.cluster_id, true);
    const item = state.items.get(id);
    if (item) {
      item.classList.add("selected");
      item.setAttribute("aria-current", "true");
      if (from !== "timeline") item.scrollIntoView({ block: "nearest", inline: "center" });
    }
    markSelected(id);
    showUncertainty(ev.location);
    const zoomed = focus([ev.location, ev.origin, ev.destination], { instant: from === "code" });
    if (location.hash !== `#event=${id}`) history.replaceState(null, "", `#event=${encodeURIComponent(id)}`);
    showEvent(id);
    return zoomed;
  }

  // Select a happening: its card and marker, pan and zoom to it, list its claims in the panel.
  function selectHappening(clusterId, opts) {
    const from = (opts && opts.from) || "code";
    const h = happenings().find((x) => x.id === clusterId);
    if (!h) return false;
    if (h.evs.length === 1 && !h.record) return select(h.evs[0].id, opts);
    state.selected = null;
    state.selectedCluster = clusterId;
    clearSelection();
    expand(clusterId, true);
    const box = state.cards && state.cards.get(clusterId);
    if (box) {
      box.querySelector(".card").classList.add("selected");
      if (from !== "timeline") box.scrollIntoView({ block: "nearest", inline: "center" });
    }
    for (const id of h.ids) if (state.items.get(id)) state.items.get(id).classList.add("grouped");
    markSelected(h.ids[0]);
    showUncertainty(h.place);
    const zoomed = focus([h.place, h.origin, h.destination], { instant: from === "code" });
    if (location.hash !== `#cluster=${clusterId}`) history.replaceState(null, "", `#cluster=${encodeURIComponent(clusterId)}`);
    showHappening(h);
    return zoomed;
  }

  // Highlight the marker holding this claim and the other timeline items drawn with it.
  function markSelected(id) {
    for (const m of document.querySelectorAll(".fw-marker.selected")) m.classList.remove("selected");
    const key = state.markerOf.get(id);
    if (!key) return null;
    const group = state.markers.get(key);
    for (const other of group.ids) if (other !== id && state.items.get(other)) state.items.get(other).classList.add("grouped");
    const node = group.marker.getElement();
    if (node && node.firstChild) node.firstChild.classList.add("selected");
    return key;
  }

  function showHappening(h) {
    const r = h.record || {};
    $("#panel-empty").hidden = true;
    $("#panel-event").hidden = true;
    $("#panel-cluster").hidden = false;
    $("#cl-title").textContent = `Happening: ${happeningText(h)}`;
    const dl = $("#cl-fields");
    dl.replaceChildren();
    const row = (k, v) => { if (v !== null && v !== undefined && v !== "") dl.append(el("dt", { text: k }), el("dd", null, v)); };
    row("When", r.time ? when(r) + (r.time.inferred ? " (from the publication dates)" : "") : "undated");
    if (h.place) row("Where", `${h.place.name}${h.place.radius_km ? ` ±${h.place.radius_km} km` : ""}`);
    if (isPoint(h.origin)) row("From", h.origin.name);
    if (isPoint(h.destination)) row("To", h.destination.name);
    const gear = (r.equipment || []).map((e) => (e.count ? `${e.count}× ` : "") + e.name).join(", ");
    if (gear) row("Equipment", gear);
    row("Sources", `${r.n_sources || 0} independent: ${(r.sources || []).map((x) => x.name ? `${x.name} (${x.kind})` : x.kind).join("; ")}`);
    row("Contradicted", (r.contradicted_by || []).length ? `by ${r.contradicted_by.length} claim(s)` : "no");
    row("Admiralty", el("span", null, el("span", { class: "grade", text: r.credibility ? r.credibility.code : "—" }), " ", el("span", { class: "muted", text: gradeText(r.credibility) })));
    const list = $("#cl-claims");
    list.replaceChildren();
    const against = new Set(r.contradicted_by || []);
    for (const ev of h.evs) {
      const b = el("button", { type: "button", "data-id": ev.id, class: against.has(ev.id) ? "against" : null,
        text: `${when(ev)} · ${what(ev)} · ${who(ev)} · ${ev.modality}${ev.credibility ? " · " + ev.credibility.code : ""}` });
      b.addEventListener("click", () => select(ev.id, { from: "panel" }));
      list.appendChild(el("li", null, b));
    }
  }

  async function showEvent(id) {
    const seq = ++state.seq;
    const ev = state.byId.get(id);
    $("#panel-empty").hidden = true;
    $("#panel-cluster").hidden = true;
    $("#panel-event").hidden = false;
    $("#ev-title").textContent = `${ev.type}${ev.subtype ? " / " + ev.subtype : ""}`;
    const h = ev.cluster_id && state.clusters.get(ev.cluster_id);
    const back = $("#ev-happening");
    back.replaceChildren();
    if (h && h.event_ids.length > 1) {
      const b = el("button", { type: "button", text: `one of ${h.event_ids.length} claims of a happening (${h.n_sources} independent source${h.n_sources === 1 ? "" : "s"}): show it` });
      b.addEventListener("click", () => selectHappening(h.id, { from: "panel" }));
      back.appendChild(b);
    }
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
    if (ev.platform) row(ev.platform.platform === "aircraft" ? "Aircraft" : "Vessel", platformText(ev));
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
    let body, clusters;
    try {
      const cparams = new URLSearchParams(params);
      cparams.delete("order");
      [body, clusters] = await Promise.all([api(`/api/events?${params}`), api(`/api/clusters?${cparams}`)]);
    } catch (e) {
      if (mine === loading) setStatus(e.message, true);
      return;
    }
    if (mine !== loading) return;
    // Oldest first, same-day events by time of day; undated (last in either order) at the end.
    const dated = body.items.filter((e) => e.time), undated = body.items.filter((e) => !e.time);
    state.events = dated.sort(byTime).concat(undated);
    state.total = body.total;
    state.byId = new Map(state.events.map((e) => [e.id, e]));
    state.clusters = new Map(clusters.items.map((c) => [c.id, c]));
    setupReplay();
    redraw();
    document.body.dataset.loaded = "true";
    if (!state.fitted && !$("#filters").elements.inview.checked) { fitEvents({ focus: true }); state.fitted = true; }
    const hash = location.hash.match(/^#(event|cluster)=(.+)$/);
    const wanted = state.selected || (hash && hash[1] === "event" ? decodeURIComponent(hash[2]) : "");
    const wantedCluster = !state.selected && (state.selectedCluster || (hash && hash[1] === "cluster" ? decodeURIComponent(hash[2]) : ""));
    if (wanted && state.byId.has(wanted)) select(wanted, { from: "code" });
    else if (wantedCluster && happeningOf(state.clusters.has(wantedCluster) ? state.clusters.get(wantedCluster).event_ids[0] : "")) selectHappening(wantedCluster, { from: "code" });
    else if (state.selected || state.selectedCluster) {
      state.selected = state.selectedCluster = null;
      $("#panel-event").hidden = true;
      $("#panel-cluster").hidden = true;
      $("#panel-empty").hidden = false;
    }
  }

  // Map and timeline from what is loaded, the toggles and the replay.
  function redraw() {
    drawMarkers();
    drawTimeline();
    const shown = visibleEvents();
    const hs = happenings();
    const onMap = hs.filter((h) => h.place).length;
    const unplaced = hs.filter((h) => !h.place).reduce((n, h) => n + h.evs.length, 0); // as the exports count them
    const total = state.total;
    setStatus(`${total.toLocaleString("en")} event${total === 1 ? "" : "s"}${total > state.events.length ? ` (latest ${state.events.length} loaded)` : ""}`
      + `${shown.length !== state.events.length ? `, ${shown.length} shown` : ""}; ${hs.length} happening${hs.length === 1 ? "" : "s"}, ${onMap} on the map`
      + (unplaced ? `; ${unplaced} event${unplaced === 1 ? "" : "s"} without a place to draw` : ""));
    if (state.selected && state.byId.has(state.selected)) {
      const item = state.items.get(state.selected);
      if (item) item.classList.add("selected");
      markSelected(state.selected);
    }
  }

  // -- replay: a slider over the timeline's instants; events appear on the map in order --------
  const replay = { times: [], timer: null };
  function setupReplay() {
    replay.times = [...new Set(state.events.filter((e) => e.time).map(instant))].sort((a, b) => a - b);
    const slider = $("#replay-slider");
    slider.max = String(replay.times.length);
    slider.value = String(replay.times.length);
    stopReplay();
    state.replay = null;
    showReplayLabel();
  }
  function showReplayLabel() {
    const slider = $("#replay-slider");
    const i = Number(slider.value);
    const label = $("#replay-at");
    if (state.replay === null) { label.textContent = "all events"; return; }
    const t = new Date(replay.times[i - 1] || replay.times[0]).toISOString();
    const n = visibleEvents().length;
    label.textContent = `${t.slice(0, 10)} ${t.slice(11, 16)} UTC · ${n} event${n === 1 ? "" : "s"}`;
  }
  function replayTo(i) {
    const slider = $("#replay-slider");
    slider.value = String(i);
    state.replay = i >= replay.times.length ? null : i <= 0 ? -Infinity : replay.times[i - 1];
    redraw();
    showReplayLabel();
  }
  function stopReplay() {
    if (replay.timer) clearInterval(replay.timer);
    replay.timer = null;
    $("#replay-play").textContent = "▶ Replay";
    $("#replay-play").setAttribute("aria-pressed", "false");
  }
  function playReplay() {
    if (replay.timer) { stopReplay(); return; }
    const slider = $("#replay-slider");
    let i = Number(slider.value) >= replay.times.length ? 0 : Number(slider.value);
    replayTo(i);
    $("#replay-play").textContent = "❚❚ Pause";
    $("#replay-play").setAttribute("aria-pressed", "true");
    replay.timer = setInterval(() => {
      i += 1;
      replayTo(i);
      if (i >= replay.times.length) stopReplay();
    }, Number(document.body.dataset.replayMs || 600));
  }

  function fitEvents(opts) {
    let evs = state.events.filter(placeOf);
    if (opts && opts.focus) {
      // First view: where most events are (the country holding 60 % or more of them), so a few
      // far-away events do not shrink the map; "Fit events" shows them all.
      const byCountry = new Map();
      for (const e of evs) if (placeOf(e).country) byCountry.set(placeOf(e).country, (byCountry.get(placeOf(e).country) || 0) + 1);
      const [top, n] = [...byCountry.entries()].sort((a, b) => b[1] - a[1])[0] || [null, 0];
      if (top && n >= 0.6 * evs.length && n < evs.length) evs = evs.filter((e) => placeOf(e).country === top);
    }
    const pts = evs.map((e) => [placeOf(e).lat, placeOf(e).lon]);
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
    $("#replay-slider").addEventListener("input", (e) => { stopReplay(); replayTo(Number(e.target.value)); });
    $("#replay-play").addEventListener("click", playReplay);
    for (const kind of ["report", "sensor"]) {
      $(`#show-${kind}`).addEventListener("change", (e) => { state.shown[kind] = e.target.checked; redraw(); showReplayLabel(); });
    }
    $("#fit").addEventListener("click", () => fitEvents());
    $("#export-format").addEventListener("change", updateDownload);
    window.addEventListener("hashchange", () => {
      const m2 = location.hash.match(/^#(event|cluster)=(.+)$/);
      if (!m2) return;
      const id = decodeURIComponent(m2[2]);
      if (m2[1] === "event" && id !== state.selected) select(id, { from: "code" });
      if (m2[1] === "cluster" && id !== state.selectedCluster) selectHappening(id, { from: "code" });
    });
    await loadEvents();
    await loadAlerts();
    followStream();
  }

  // -- alerts and new events, live (GET /api/stream: server-sent events of forcewatch watch) ---------
  state.alerts = new Map(); // alert id -> record
  function showAlert(a, fresh) {
    if (state.alerts.has(a.id)) return;
    state.alerts.set(a.id, a);
    $("#alerts").hidden = false;
    const evButtons = (a.event_ids || []).map((id, k) => {
      const ev = (a.evidence || []).find((x) => x.event_id === id);
      const b = el("button", { type: "button", "data-event-id": id, title: ev ? ev.text : id }, `event ${k + 1}`);
      b.addEventListener("click", () => openEvent(id));
      return b;
    });
    const when = (a.raised_at || "").slice(0, 16).replace("T", " ");
    const item = el("li", { "data-alert-id": a.id, "data-rule": a.rule },
      el("span", { class: `sev sev-${a.severity}` }, a.severity), " ", el("strong", null, a.rule), ": ", a.title,
      el("div", { class: "muted" }, `${when} UTC · `, ...evButtons));
    const list = $("#alert-list");
    if (fresh) list.prepend(item); else list.append(item);
  }
  // One click from an alert to the evidence: the event is selected (loaded first if it is new).
  async function openEvent(id) {
    if (!state.byId.has(id)) await loadEvents();
    if (state.byId.has(id)) { select(id, { from: "code" }); return; }
    const body = await api(`/api/events/${encodeURIComponent(id)}`).catch(() => null);
    if (body) { state.byId.set(id, body.event); select(id, { from: "code" }); }
  }
  async function loadAlerts() {
    try {
      const body = await api("/api/alerts?limit=100");
      for (const a of body.items) showAlert(a, false);
    } catch (e) { /* a server without alerts: the panel stays hidden */ }
  }
  function followStream() {
    if (!window.EventSource) return;
    const reloadEvents = debounce(loadEvents, 500);
    const source = new EventSource("/api/stream");
    source.addEventListener("alert", (m) => { showAlert(JSON.parse(m.data), true); $("#alerts-live").textContent = "live"; });
    source.addEventListener("events", () => reloadEvents());
    source.addEventListener("open", () => { $("#alerts-live").textContent = "live"; loadAlerts(); }); // and what a reconnect missed
    source.addEventListener("error", () => { $("#alerts-live").textContent = "reconnecting…"; });
    state.stream = source;
  }

  window.forcewatch = { state, select, selectHappening, map, replayTo };
  init();
})();

// Day maps of the trainer's week: progressive enhancement of the
// server-drawn schematic. Leaflet lays a real map (tiles from the
// configured server) over it once the first tile loads; when tiles fail,
// the schematic simply stays.
(function () {
  "use strict";
  if (!window.L) { return; }
  function init(fig) {
    var stops, url = fig.getAttribute("data-tiles");
    try { stops = JSON.parse(fig.getAttribute("data-stops") || "[]"); } catch (e) { return; }
    if (!url || !stops.length) { return; }
    var box = document.createElement("div");
    box.className = "live";
    box.setAttribute("aria-hidden", "true");
    fig.insertBefore(box, fig.firstChild);
    var map = L.map(box, { zoomControl: true, attributionControl: true, keyboard: false, scrollWheelZoom: false });
    var layer = L.tileLayer(url, { maxZoom: 18, attribution: "&copy; OpenStreetMap" });
    var loaded = false, failed = 0;
    layer.on("tileload", function () {
      if (!loaded) { loaded = true; fig.classList.add("tiles-ok"); }
    });
    layer.on("tileerror", function () {
      failed++;
      if (!loaded && failed >= 3) { map.remove(); box.remove(); }
    });
    layer.addTo(map);
    var pts = [];
    stops.forEach(function (s) {
      var ll = [s.lat, s.lon];
      pts.push(ll);
      var icon = s.n ? L.divIcon({ className: "map-n", html: String(s.n), iconSize: [24, 24] })
                     : L.divIcon({ className: "map-home", iconSize: [12, 12] });
      L.marker(ll, { icon: icon, title: (s.n ? s.n + ". " : "") + s.label, keyboard: false }).addTo(map);
    });
    L.polyline(pts, { color: "#0b4f8a", weight: 3, dashArray: "6 5" }).addTo(map);
    map.fitBounds(L.latLngBounds(pts), { padding: [24, 24] });
  }
  document.querySelectorAll("figure.daymap[data-stops]").forEach(init);
})();

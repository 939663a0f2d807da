// Usage (in a folder with node_modules/world-atlas and node_modules/topojson-client):
//   node build-basemap.mjs countries.geojson
// Offline basemap for forcewatch: Natural Earth country outlines via world-atlas
// (110m worldwide; 50m for countries touching the Mediterranean / Middle East / Black Sea box).
import fs from 'fs';
import * as topo from 'topojson-client';
const load = res => { const t = JSON.parse(fs.readFileSync(`node_modules/world-atlas/countries-${res}.json`)); return topo.feature(t, t.objects.countries).features; };
const D = 2, r = x => Math.round(x * 10**D) / 10**D;
function ring(rr){ const out=[]; for (const [x,y] of rr){ const p=[r(x),r(y)]; const l=out[out.length-1]; if(!l||l[0]!==p[0]||l[1]!==p[1]) out.push(p);} return out.length>=4?out:null; }
function clean(f){ const g=f.geometry; if(!g) return null;
  if(g.type==='Polygon') g.coordinates=g.coordinates.map(ring).filter(Boolean);
  else g.coordinates=g.coordinates.map(p=>p.map(ring).filter(Boolean)).filter(p=>p.length);
  if(!g.coordinates.length) return null;
  return {type:'Feature', properties:{name:f.properties.name}, geometry:g}; }
const BOX=[-10, 10, 65, 50]; // W S E N
function inBox(f){ let hit=false; const visit=c=>{ if(typeof c[0]==='number'){ if(c[0]>=BOX[0]&&c[0]<=BOX[2]&&c[1]>=BOX[1]&&c[1]<=BOX[3]) hit=true; } else c.forEach(visit); }; if(f.geometry) visit(f.geometry.coordinates); return hit; }
const fine = load('50m'), coarse = load('110m');
const fineNames = new Set(fine.filter(inBox).map(f=>f.properties.name));
const feats = [...coarse.filter(f=>!fineNames.has(f.properties.name)), ...fine.filter(f=>fineNames.has(f.properties.name))].map(clean).filter(Boolean);
fs.writeFileSync(process.argv[2], JSON.stringify({type:'FeatureCollection', features:feats}));
console.log(feats.length, fineNames.size);

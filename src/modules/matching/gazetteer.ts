// Place as geography: a neighbourhood as typed ("Nørrebro", "norrebro", "kbh n", "2200",
// "Nørrebro (Blågården)") becomes a point from the gazetteer file (vocabulary/gazetteer.json),
// and two points a distance in km. A neighbourhood written as "lat, lon" is taken as that point.
import gazetteerFile from "./vocabulary/gazetteer.json";
import { fold, tokens, wordFit } from "./text";

export interface Place {
  name: string;
  city: string;
  lat: number;
  lon: number;
}

interface Entry {
  place: Place;
  /** Names and aliases as folded words. */
  names: string[][];
  postcodes: [number, number][];
}

const ENTRIES: Entry[] = gazetteerFile.cities.flatMap((c) =>
  c.places.map((p) => ({
    place: { name: p.name, city: c.city, lat: p.lat, lon: p.lon },
    names: [p.name, ...p.aliases].map((n) => tokens(n)).filter((t) => t.length > 0),
    postcodes: p.postcodes.map((code) => {
      const [from, to] = code.split("-").map(Number);
      return [from, to ?? from] as [number, number];
    }),
  })),
);

export const GAZETTEER_VERSION: number = gazetteerFile.version;

const POINT = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$/;

/** How well `name` (folded words) appears in `words`: 0 when it does not, more for longer names. */
function nameFit(name: string[], words: string[]): number {
  let best = 0;
  for (let i = 0; i + name.length <= words.length; i++) {
    let fit = 1;
    for (let k = 0; k < name.length && fit > 0; k++) {
      const a = name[k];
      const b = words[i + k];
      // Short words must be exact ("n" in "kbh n"); longer ones may carry an ending or a typo.
      fit = Math.min(fit, a === b ? 1 : a.length >= 5 ? (wordFit(a, b) >= 0.75 ? 0.8 : 0) : 0);
    }
    if (fit > 0) best = Math.max(best, fit * (1 + name.join(" ").length / 100));
  }
  return best;
}

/**
 * The place a neighbourhood text names, or null. A postcode wins over a name; among names the
 * best and longest; `preferCity` (the bank's name or region) breaks ties between cities.
 */
export function locate(text: string | null | undefined, preferCity?: string | null): Place | null {
  if (!text || !text.trim()) return null;
  const point = POINT.exec(text);
  if (point) {
    const lat = Number(point[1]);
    const lon = Number(point[2]);
    if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180) return { name: text.trim(), city: "", lat, lon };
  }
  const words = tokens(text);
  const prefer = preferCity ? fold(preferCity) : "";
  const cityBonus = (e: Entry) => (prefer && prefer.includes(fold(e.place.city)) ? 0.01 : 0);
  for (const w of words) {
    if (!/^\d{4}$/.test(w)) continue;
    const code = Number(w);
    const hits = ENTRIES.filter((e) => e.postcodes.some(([from, to]) => code >= from && code <= to));
    if (hits.length) return hits.sort((a, b) => cityBonus(b) - cityBonus(a))[0].place;
  }
  let best: Entry | null = null;
  let bestFit = 0;
  for (const e of ENTRIES) {
    const named = Math.max(0, ...e.names.map((n) => nameFit(n, words)));
    if (named === 0) continue;
    const fit = named + cityBonus(e);
    if (fit > bestFit + 1e-9) [best, bestFit] = [e, fit];
  }
  return best ? best.place : null;
}

/** Great-circle distance in km. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

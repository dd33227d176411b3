import { encodePng } from './png';

/**
 * The Teams app's two icons, drawn in code: a speech bubble with three dots.
 * - color.png: 192×192, the bubble in white on the accent colour, within the central 120×120
 *   (Teams crops and rounds the corners of what lies outside).
 * - outline.png: 32×32, white on transparent and nothing else (each pixel is either white and
 *   opaque or fully transparent), as Teams requires of the outline icon.
 */

export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;

type Point = readonly [number, number];

const BODY = { left: 0.12, top: 0.16, right: 0.88, bottom: 0.7, radius: 0.15 };
const TAIL: readonly [Point, Point, Point] = [[0.24, 0.62], [0.46, 0.62], [0.2, 0.88]];
const DOTS: readonly Point[] = [[0.31, 0.43], [0.5, 0.43], [0.69, 0.43]];
const DOT_RADIUS = 0.07;

function inRoundedRect(x: number, y: number): boolean {
  const { left, top, right, bottom, radius } = BODY;
  if (x < left || x > right || y < top || y > bottom) return false;
  const cx = Math.min(Math.max(x, left + radius), right - radius);
  const cy = Math.min(Math.max(y, top + radius), bottom - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

function inTriangle(x: number, y: number): boolean {
  const [[x1, y1], [x2, y2], [x3, y3]] = TAIL;
  const d1 = (x - x2) * (y1 - y2) - (x1 - x2) * (y - y2);
  const d2 = (x - x3) * (y2 - y3) - (x2 - x3) * (y - y3);
  const d3 = (x - x1) * (y3 - y1) - (x3 - x1) * (y - y1);
  const negative = d1 < 0 || d2 < 0 || d3 < 0;
  const positive = d1 > 0 || d2 > 0 || d3 > 0;
  return !(negative && positive);
}

function inBubble(x: number, y: number): boolean {
  return inRoundedRect(x, y) || inTriangle(x, y);
}

function inDot(x: number, y: number): boolean {
  return DOTS.some(([cx, cy]) => (x - cx) ** 2 + (y - cy) ** 2 <= DOT_RADIUS ** 2);
}

/** Inside the bubble by at least `width` in every direction (an erosion, for the outline). */
function deepInBubble(x: number, y: number, width: number): boolean {
  if (!inBubble(x, y)) return false;
  for (let i = 0; i < 16; i++) {
    const angle = (i / 16) * 2 * Math.PI;
    if (!inBubble(x + width * Math.cos(angle), y + width * Math.sin(angle))) return false;
  }
  return true;
}

/** The share of a pixel's 4×4 sample points for which `inside` holds, over the unit square mapped to [offset, offset + span]. */
function coverage(px: number, py: number, offset: number, span: number, inside: (x: number, y: number) => boolean): number {
  let hits = 0;
  for (let sy = 0; sy < 4; sy++) {
    for (let sx = 0; sx < 4; sx++) {
      const x = (px + (sx + 0.5) / 4 - offset) / span;
      const y = (py + (sy + 0.5) / 4 - offset) / span;
      if (inside(x, y)) hits++;
    }
  }
  return hits / 16;
}

export function parseHexColour(hex: string): [number, number, number] {
  const match = /^#([0-9a-fA-F]{6})$/.exec(hex);
  if (!match) throw new Error(`Not a colour such as #1D70B8: ${hex}`);
  const value = Number.parseInt(match[1]!, 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

/** 192×192 RGB: the white bubble with accent-coloured dots on the accent colour. */
export function colorIcon(accentColour: string): Buffer {
  const size = COLOR_ICON_SIZE;
  const accent = parseHexColour(accentColour);
  const pixels = new Uint8Array(size * size * 3);
  const offset = 36;
  const span = 120;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      // White where the bubble is and the dots are not; blended at the edges.
      const white = Math.max(0, coverage(px, py, offset, span, inBubble) - coverage(px, py, offset, span, inDot));
      const i = (py * size + px) * 3;
      for (let c = 0; c < 3; c++) pixels[i + c] = Math.round(accent[c]! * (1 - white) + 255 * white);
    }
  }
  return encodePng({ width: size, height: size, colourType: 2, pixels });
}

/** 32×32 RGBA: the bubble's outline and its dots in opaque white; everything else transparent. */
export function outlineIcon(): Buffer {
  const size = OUTLINE_ICON_SIZE;
  const pixels = new Uint8Array(size * size * 4);
  const offset = 1;
  const span = 30;
  const stroke = 2.2 / span;
  const drawn = (x: number, y: number) => (inBubble(x, y) && !deepInBubble(x, y, stroke)) || inDot(x, y);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const on = coverage(px, py, offset, span, drawn) >= 0.5;
      const i = (py * size + px) * 4;
      // Transparent pixels are white too (alpha 0), so no other colour appears anywhere.
      pixels[i] = 255;
      pixels[i + 1] = 255;
      pixels[i + 2] = 255;
      pixels[i + 3] = on ? 255 : 0;
    }
  }
  return encodePng({ width: size, height: size, colourType: 6, pixels });
}

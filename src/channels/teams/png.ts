import { deflateSync } from 'node:zlib';

/**
 * A minimal PNG encoder (RFC 2083 / ISO 15948): signature, IHDR, one IDAT, IEND, each chunk with
 * its CRC-32. 8 bits per channel, truecolour (colour type 2, RGB) or truecolour with alpha
 * (colour type 6, RGBA), no interlacing, filter type 0 on every row. Enough for app icons made in
 * code, so no image file is kept in the repository.
 */

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type PngColourType = 2 | 6;

export interface RawImage {
  width: number;
  height: number;
  /** 2: RGB, 3 bytes a pixel; 6: RGBA, 4 bytes a pixel. Rows top to bottom, no padding. */
  colourType: PngColourType;
  pixels: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, the one PNG and zip use). */
export function crc32(...parts: Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) crc = CRC_TABLE[(crc ^ part[i]!) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const typeBytes = Buffer.from(type, 'ascii');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeBytes, data));
  return Buffer.concat([length, typeBytes, data, crc]);
}

export function bytesPerPixel(colourType: PngColourType): number {
  return colourType === 6 ? 4 : 3;
}

export function encodePng(image: RawImage): Buffer {
  const { width, height, colourType, pixels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error('A PNG needs a whole-number width and height of at least 1.');
  }
  const stride = width * bytesPerPixel(colourType);
  if (pixels.length !== stride * height) throw new Error(`Expected ${stride * height} bytes of pixels, got ${pixels.length}.`);

  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = colourType;
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method 0
  header[12] = 0; // no interlace

  // Each row starts with its filter type byte (0: none).
  const filtered = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    filtered[y * (stride + 1)] = 0;
    filtered.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(filtered, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

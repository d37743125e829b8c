import type { Locator } from 'playwright-core';

export interface PixelQuery {
  /** `#rrggbb`: pixels within `tolerance` of this colour (each channel) are counted. */
  colour: string;
  tolerance?: number;
  /** Alpha range of the pixels counted (a line is opaque; a band fill is translucent). */
  minAlpha?: number;
  maxAlpha?: number;
}

/**
 * Reads the plot's canvas back and counts the pixels of each colour asked for: that the lines
 * and bands were really drawn, not only that a canvas exists.
 */
export async function countPixels(canvas: Locator, queries: PixelQuery[]): Promise<number[]> {
  return canvas.evaluate((element, qs) => {
    const c = element as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return qs.map((q) => {
      const n = Number.parseInt(q.colour.slice(1), 16);
      const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
      const tolerance = q.tolerance ?? 40;
      const minAlpha = q.minAlpha ?? 200;
      const maxAlpha = q.maxAlpha ?? 255;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        const a = data[i + 3];
        if (a < minAlpha || a > maxAlpha) continue;
        if (Math.abs(data[i] - r) <= tolerance && Math.abs(data[i + 1] - g) <= tolerance && Math.abs(data[i + 2] - b) <= tolerance) count++;
      }
      return count;
    });
  }, queries);
}

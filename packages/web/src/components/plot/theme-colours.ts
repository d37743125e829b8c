import { useEffect, useState } from 'react';
import { effectiveDark } from '../../layout/theme.ts';

/**
 * Line colours that stay apart from each other on both backgrounds and for the common kinds of
 * colour blindness (after Okabe and Ito), a lighter set for the dark theme.
 */
const LIGHT_LINES = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#8a6d00', '#56b4e9', '#333333'];
const DARK_LINES = ['#56b4e9', '#f0a050', '#33c89a', '#e19ac4', '#f0e442', '#9ec9ff', '#dddddd'];

export interface PlotColours {
  dark: boolean;
  /** Axis labels and ticks. */
  text: string;
  grid: string;
  lines: string[];
}

function cssVariable(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** The canvas draws its own colours: they are read from the theme (Pico's variables) when it is built. */
export function plotColours(dark = effectiveDark()): PlotColours {
  return {
    dark,
    text: cssVariable('--pico-muted-color', dark ? '#aab' : '#555'),
    grid: cssVariable('--pico-muted-border-color', dark ? '#333' : '#e5e5e5'),
    lines: dark ? DARK_LINES : LIGHT_LINES,
  };
}

/** `#rrggbb` with an alpha, for band fills. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/**
 * Whether the dark theme is in effect, following the theme toggle (its `mirrorbase-theme`
 * event) and the system's setting while the theme is "system".
 */
export function useDarkTheme(): boolean {
  const [dark, setDark] = useState(effectiveDark);
  useEffect(() => {
    const update = () => setDark(effectiveDark());
    const media = window.matchMedia?.('(prefers-color-scheme: dark)');
    window.addEventListener('mirrorbase-theme', update);
    media?.addEventListener('change', update);
    return () => {
      window.removeEventListener('mirrorbase-theme', update);
      media?.removeEventListener('change', update);
    };
  }, []);
  return dark;
}

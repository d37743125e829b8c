import { useState } from 'react';
import { applyTheme, storedTheme, type Theme } from './theme.ts';

const NEXT: Record<Theme, Theme> = { auto: 'dark', dark: 'light', light: 'auto' };
const LABEL: Record<Theme, string> = { auto: 'Theme: system', dark: 'Theme: dark', light: 'Theme: light' };

/** Cycles system → dark → light; the choice is kept in this browser. */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  return (
    <button
      type="button"
      className="secondary outline"
      aria-label={`${LABEL[theme]}. Change theme`}
      onClick={() => {
        const next = NEXT[theme];
        applyTheme(next);
        setTheme(next);
        window.dispatchEvent(new Event('mirrorbase-theme'));
      }}
    >
      {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
    </button>
  );
}

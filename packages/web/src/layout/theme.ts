/** Light, dark, or whatever the system says (Pico CSS reads data-theme on <html>). */
export type Theme = 'light' | 'dark' | 'auto';

const KEY = 'mirrorbase.theme';

export function storedTheme(): Theme {
  const value = localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'auto';
}

export function applyTheme(theme: Theme) {
  if (theme === 'auto') {
    document.documentElement.removeAttribute('data-theme');
    localStorage.removeItem(KEY);
  } else {
    document.documentElement.setAttribute('data-theme', theme);
    localStorage.setItem(KEY, theme);
  }
}

/** The theme in effect now, for what draws its own colours (the plots' canvas). */
export function effectiveDark(): boolean {
  const set = document.documentElement.getAttribute('data-theme');
  if (set) return set === 'dark';
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
}

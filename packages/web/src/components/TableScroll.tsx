import type { ReactNode } from 'react';

/**
 * The box a table scrolls sideways in when it is wider than the screen (a phone). It is a named,
 * focusable region (a named section): a keyboard can reach it and scroll it with the arrow keys, which a plain
 * overflowing div does not allow (WCAG 2.1.1).
 */
export function TableScroll({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take the focus to be scrolled by keyboard
    <section className={className ? `table-scroll ${className}` : 'table-scroll'} aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

import { type RefObject, useEffect, useState } from 'react';

/**
 * The width of an element in CSS pixels, rounded down to `step` so that a small resize does not
 * re-query (the plots ask the server for about one point per pixel).
 */
export function useElementWidth(ref: RefObject<HTMLElement | null>, step = 1): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setWidth(Math.floor(element.clientWidth / step) * step);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref, step]);
  return width;
}

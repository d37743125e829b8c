import { useRouter } from '@tanstack/react-router';
import type { AnchorHTMLAttributes, MouseEvent } from 'react';

/**
 * A path of this app with its search params, written the way the app's router reads them. The
 * router's types do not know the pages' paths (each page is a lazy chunk registered by a string),
 * so links that carry search params are built here rather than through its typed `Link`.
 */
export function appHref(path: string, search: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(search)) if (value !== undefined && value !== '') params.set(key, value);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/** A real link (it opens in a new tab, it can be copied) that moves within the app without a reload. */
export function AppLink({ href, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const router = useRouter();
  function onClick(event: MouseEvent<HTMLAnchorElement>) {
    rest.onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    router.history.push(href);
  }
  return <a {...rest} href={href} onClick={onClick} />;
}

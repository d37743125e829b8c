import '@picocss/pico/css/pico.min.css';
import './styles.css';
import { MirrorbaseError } from '@mirrorbase/sdk';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { applyTheme, storedTheme } from './layout/theme.ts';
import { createAppRouter } from './router.tsx';

applyTheme(storedTheme());

/** A 401 means the session ended (its refresh token refused): log in again, then come back. */
function onApiError(error: unknown) {
  if (error instanceof MirrorbaseError && error.status === 401 && !window.location.pathname.startsWith('/login')) {
    void router.navigate({ to: '/login', search: { redirect: window.location.pathname + window.location.search } });
  }
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onApiError }),
  mutationCache: new MutationCache({ onError: onApiError }),
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; a network error or a 5xx may.
      retry: (failures, error) => failures < 2 && !(error instanceof MirrorbaseError && error.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});
const router = createAppRouter(queryClient);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);

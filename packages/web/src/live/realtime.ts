import type { RealtimeEvent, StreamFilters } from '@mirrorbase/sdk';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { client } from '../api/client.ts';

/** A readings event of the realtime feed: the new readings of one sensor's measure. */
export interface LiveReadings {
  type: 'readings';
  sensor: string;
  sensor_type: string | null;
  measure: string;
  units: string | null;
  datatype: string;
  count: number;
  first: string;
  last: string;
  /** Absent when the event held more readings than the server sends (readings_omitted). */
  timestamps?: string[];
  values?: unknown[];
  readings_omitted?: boolean;
}

/** An entity event: something was created, changed or deleted. */
export interface LiveEntity {
  type: 'entity';
  entity: string;
  action: string;
  key: string;
}

/**
 * Subscribes to the realtime feed while the component is shown (the SDK's stream: fetch-based
 * Server-Sent Events, resuming after a drop from the last event id). `filters` is compared by
 * value, so an inline object does not resubscribe on every render; `onEvent` may change freely.
 */
export function useRealtime(filters: StreamFilters | undefined, onEvent: (event: RealtimeEvent) => void) {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = filters ? JSON.stringify(filters) : undefined;
  useEffect(() => {
    if (key === undefined) return;
    const controller = new AbortController();
    const subscription = client.readings.stream({ ...(JSON.parse(key) as StreamFilters), signal: controller.signal });
    (async () => {
      try {
        for await (const event of subscription) handler.current(event);
      } catch {
        // Aborted on unmount, or the session ended (the next query sends the person to the login).
      }
    })();
    return () => controller.abort();
  }, [key]);
}

/**
 * Refetches the queries under `queryKey` whenever an entity of these kinds changes (a service
 * run finished, a sensor was added elsewhere): lists stay current without polling.
 */
export function useLiveInvalidation(entities: string[], queryKey: readonly unknown[]) {
  const queryClient = useQueryClient();
  const keyText = JSON.stringify(queryKey);
  useRealtime({ entities, readings: false }, (event) => {
    if (event.event === 'entity') void queryClient.invalidateQueries({ queryKey: JSON.parse(keyText) });
  });
}

import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { CONSOLE_API_PREFIX, CONSOLE_EVENT_TYPES, type ConsoleEventType } from '@console-api';

/** Which cached queries each live event makes stale. */
const STALE: Record<ConsoleEventType, string[][]> = {
  block: [['blocks'], ['overview'], ['transfers'], ['participants']],
  signer: [['overview']],
  alarm: [['alarms'], ['overview']],
  window: [['windows'], ['window'], ['overview']],
  proposal: [['proposals']],
  dependency: [['overview']],
};

/**
 * Listens to `GET /ops/v1/events` while signed in and refreshes what each event changes. EventSource
 * reconnects by itself when the console or the network comes back; `connected` says how it stands.
 */
export function useLiveEvents(enabled: boolean): { connected: boolean } {
  const client = useQueryClient();
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource(`${CONSOLE_API_PREFIX}/events`, { withCredentials: true });
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    for (const type of CONSOLE_EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        if (type === 'block') client.setQueryData(['live-block'], JSON.parse((event as MessageEvent).data));
        for (const key of STALE[type]) void client.invalidateQueries({ queryKey: key });
      });
    }
    return () => source.close();
  }, [enabled, client]);
  return { connected };
}

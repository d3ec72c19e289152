import { useSyncExternalStore } from 'react';

/**
 * The operator key imported for approvals: held in this page's memory only (not storage, never sent), so
 * it is gone on reload or sign-out.
 */
export interface ImportedKey {
  keyId: string;
  seedHex: string;
  publicKey: string;
}

let current: ImportedKey | null = null;
const listeners = new Set<() => void>();

export function setImportedKey(key: ImportedKey | null): void {
  current = key;
  for (const listener of listeners) listener();
}

export function useImportedKey(): ImportedKey | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clusterId } from './kafka-local';
import type { InfraSettings } from './settings';

type KafkaSettings = InfraSettings['kafka'];

describe('clusterId', () => {
  let dir: string;
  const settings = () => ({ files: { clusterId: path.join(dir, 'cluster-id') } }) as unknown as KafkaSettings;

  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'cluster-id-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is a 22-character url-safe id that the storage tool cannot take for an option, kept once made', () => {
    for (let i = 0; i < 500; i++) {
      rmSync(settings().files.clusterId, { force: true });
      const id = clusterId(settings());
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(clusterId(settings())).toBe(id);
      expect(readFileSync(settings().files.clusterId, 'utf8').trim()).toBe(id);
    }
  });

  it('replaces a stored id that starts with a dash (it never formatted a storage)', () => {
    writeFileSync(settings().files.clusterId, '-Abcdefghijklmnopqrstu\n');
    const id = clusterId(settings());
    expect(id.startsWith('-')).toBe(false);
    expect(readFileSync(settings().files.clusterId, 'utf8').trim()).toBe(id);
  });
});

import { ServicesPrismaClient } from '@concord/db';
import type { FinalizedBlock } from '@concord/contracts';

export interface KnownParticipant {
  id: string;
  name: string;
  keys: Map<string, string>;
  currencies: string[];
  status: string;
}

/** The consortium members as the finalized ledger announced them, cached in memory. */
export class ParticipantsRepository {
  private readonly cache = new Map<string, KnownParticipant>();

  constructor(private readonly prisma: ServicesPrismaClient) {}

  async load(): Promise<void> {
    for (const row of await this.prisma.gatewayParticipant.findMany()) {
      this.cache.set(row.id, {
        id: row.id,
        name: row.name,
        keys: new Map(
          (JSON.parse(row.keys) as { keyId: string; publicKey: string }[]).map((k) => [k.keyId, k.publicKey]),
        ),
        currencies: JSON.parse(row.currencies) as string[],
        status: row.status,
      });
    }
  }

  get(id: string): KnownParticipant | undefined {
    return this.cache.get(id);
  }

  /** Finds the participant owning a key id (key ids are unique in the consortium). */
  byKeyId(keyId: string): { participant: KnownParticipant; publicKey: string } | undefined {
    for (const participant of this.cache.values()) {
      const publicKey = participant.keys.get(keyId);
      if (publicKey) return { participant, publicKey };
    }
    return undefined;
  }

  /** Updates the cache with members that a finalized block announced (already stored with the block). */
  remember(participants: FinalizedBlock['participants']): void {
    for (const p of participants) {
      this.cache.set(p.id, {
        id: p.id,
        name: p.name,
        keys: new Map(p.keys.map((k) => [k.keyId, k.publicKey])),
        currencies: p.currencies,
        status: p.status,
      });
    }
  }
}

import type { Redis } from 'ioredis';
import type { KnownInstruction } from './settlement-events';

/**
 * How long an instruction is remembered: far longer than any settlement takes to be confirmed (value
 * dates are days away, not months), short enough that old windows do not pile up.
 */
export const INSTRUCTION_TTL_S = 90 * 24 * 3600;

/**
 * The settlement instructions the gateway has seen created, in its Redis (the gateway may not read the
 * clearing service's tables, and `instruction.confirmed` / `instruction.reversed` name the instruction
 * only). Written before the offset of the created event is committed, so an instruction is remembered
 * before any later event of its window's currency (same key, same partition) is taken in.
 */
export class SettlementInstructionsRepository {
  constructor(
    private readonly redis: Redis,
    /** The topic prefix and a colon, as the auth keys: test networks sharing one Redis stay apart. */
    private readonly keyPrefix: string,
    private readonly ttlS = INSTRUCTION_TTL_S,
  ) {}

  private key(id: string): string {
    return `${this.keyPrefix}settlement:instruction:${id}`;
  }

  async remember(instructions: readonly KnownInstruction[]): Promise<void> {
    if (instructions.length === 0) return;
    const multi = this.redis.multi();
    for (const i of instructions) multi.set(this.key(i.id), JSON.stringify(i), 'EX', this.ttlS);
    const results = await multi.exec();
    if (!results || results.some(([error]) => error)) throw new Error('redis did not store the instructions');
  }

  async find(ids: readonly string[]): Promise<Map<string, KnownInstruction>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const values = await this.redis.mget(...unique.map((id) => this.key(id)));
    const found = new Map<string, KnownInstruction>();
    values.forEach((value, n) => {
      if (value !== null) found.set(unique[n], JSON.parse(value) as KnownInstruction);
    });
    return found;
  }
}

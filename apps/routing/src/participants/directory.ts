/** A member of the network as the ledger's finalized blocks describe it. */
export interface Member {
  id: string;
  status: string;
  currencies: string[];
  keys: { keyId: string; publicKey: string }[];
}

/**
 * The members routing knows, from the ledger's finalized blocks (kept in its own table and here in
 * memory): whose key signed a request, which payout partners can receive a currency, and which apps
 * delegated a key to routing (a key of theirs whose public key is routing's own).
 */
export class Directory {
  private readonly members = new Map<string, Member>();
  private readonly byKeyId = new Map<string, { member: Member; publicKey: string }>();
  private readonly delegations = new Map<string, string>();

  constructor(private readonly delegatePublicKey: string) {}

  set(member: Member): void {
    const old = this.members.get(member.id);
    for (const k of old?.keys ?? []) this.byKeyId.delete(k.keyId);
    this.delegations.delete(member.id);
    this.members.set(member.id, member);
    for (const k of member.keys) {
      this.byKeyId.set(k.keyId, { member, publicKey: k.publicKey });
      if (k.publicKey === this.delegatePublicKey) this.delegations.set(member.id, k.keyId);
    }
  }

  get(id: string): Member | undefined {
    return this.members.get(id);
  }

  key(keyId: string): { member: Member; publicKey: string } | undefined {
    return this.byKeyId.get(keyId);
  }

  /** The key id under which routing signs for `appId`, if the app delegated one. */
  delegatedKeyId(appId: string): string | undefined {
    return this.delegations.get(appId);
  }

  /** Whether `partner` is active and holds an account in `currency`, so that it can be paid there. */
  canReceive(partner: string, currency: string): boolean {
    const m = this.members.get(partner);
    return m !== undefined && m.status === 'active' && m.currencies.includes(currency);
  }

  get size(): number {
    return this.members.size;
  }
}

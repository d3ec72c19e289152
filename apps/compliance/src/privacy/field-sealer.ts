import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Field-level authenticated encryption of personal data at rest: AES-256-GCM from node:crypto, one
 * ciphertext per field, each with a fresh 96-bit nonce and the record id and field path as associated
 * data (a ciphertext moved to another record or field does not decrypt). Each sealed value names its key
 * id: the first configured key seals, every configured key opens, so keys rotate without a flag day.
 */
export interface DataKey {
  id: string;
  keyHex: string;
}

/** `<key id>.<nonce>.<ciphertext>.<tag>`, base64url parts. */
export type SealedValue = string;

export type SealedRecord = { [field: string]: SealedValue | SealedRecord };

export class FieldSealer {
  private readonly keys: Map<string, Buffer>;
  private readonly current: string;
  private readonly indexKey: Buffer;

  constructor(keys: readonly DataKey[]) {
    if (keys.length === 0) throw new Error('at least one data key');
    this.keys = new Map(keys.map((k) => [k.id, Buffer.from(k.keyHex, 'hex')]));
    this.current = keys[0].id;
    // The blind index must not change when the sealing key rotates: it is keyed by the oldest key.
    this.indexKey = createHmac('sha256', Buffer.from(keys[keys.length - 1].keyHex, 'hex'))
      .update('concord-compliance-blind-index')
      .digest();
  }

  seal(recordId: string, path: string, plaintext: string): SealedValue {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.current)!, nonce);
    cipher.setAAD(Buffer.from(`${recordId}\n${path}`));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [this.current, nonce, body, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(recordId: string, path: string, sealed: SealedValue): string {
    const [keyId, nonce, body, tag] = sealed.split('.');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`data key ${keyId} is not configured (COMPLIANCE_DATA_KEYS)`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
    decipher.setAAD(Buffer.from(`${recordId}\n${path}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }

  /** Every leaf of an object sealed on its own (nested objects keep their shape, paths name the leaves). */
  sealObject(recordId: string, value: Record<string, unknown>, prefix = ''): SealedRecord {
    const out: SealedRecord = {};
    for (const [field, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const path = prefix ? `${prefix}.${field}` : field;
      out[field] =
        typeof v === 'object' && v !== null
          ? this.sealObject(recordId, v as Record<string, unknown>, path)
          : this.seal(recordId, path, String(v));
    }
    return out;
  }

  openObject(recordId: string, sealed: SealedRecord, prefix = ''): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [field, v] of Object.entries(sealed)) {
      const path = prefix ? `${prefix}.${field}` : field;
      out[field] = typeof v === 'string' ? this.open(recordId, path, v) : this.openObject(recordId, v, path);
    }
    return out;
  }

  /** Whether a sealed value was sealed with an older key (to be sealed again under the current one). */
  isStale(sealed: SealedValue): boolean {
    return !sealed.startsWith(`${this.current}.`);
  }

  /** A keyed hash of a party's identity: finds the same party across transfers without storing who it is. */
  blindIndex(value: string): string {
    return createHmac('sha256', this.indexKey).update(value).digest('hex');
  }
}

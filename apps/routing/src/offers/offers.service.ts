import type { CorridorView, OfferInput, OfferView, PayoutMethod } from '@concord/contracts';
import { formatAmount } from '@concord/money';
import type { Directory, Member } from '../participants/directory';
import { amountOf } from '../http/parse';
import { refuse } from '../http/routing.errors';
import type { OfferRow, OffersRepository } from './offers.repository';

/** An offer in force, its amounts in minor units of the destination currency. */
export interface LiveOffer {
  partnerId: string;
  offerId: string;
  version: number;
  body: OfferInput;
  feeFixedMinor: bigint;
  minMinor: bigint;
  maxMinor: bigint;
  capacityMinor: bigint | null;
}

/** Whether `nowMs` falls in the offer's daily UTC hours (a window whose end is before its start wraps). */
export function withinHours(hours: OfferInput['hours'], nowMs: number): boolean {
  if (!hours) return true;
  const minute = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
  const now = new Date(nowMs);
  const m = now.getUTCHours() * 60 + now.getUTCMinutes();
  const [from, to] = [minute(hours.from), minute(hours.to)];
  return from <= to ? m >= from && m < to : m >= from || m < to;
}

function live(row: OfferRow): LiveOffer {
  const b = row.body;
  const ccy = b.corridor.destinationCurrency;
  return {
    partnerId: row.partnerId,
    offerId: row.offerId,
    version: row.version,
    body: b,
    feeFixedMinor: amountOf(b.fee.fixed, ccy, 'fee.fixed', false),
    minMinor: amountOf(b.minAmount, ccy, 'minAmount'),
    maxMinor: amountOf(b.maxAmount, ccy, 'maxAmount'),
    capacityMinor: b.capacity === undefined ? null : amountOf(b.capacity, ccy, 'capacity'),
  };
}

export function offerView(row: OfferRow): OfferView {
  return {
    ...row.body,
    offerId: row.offerId,
    partnerId: row.partnerId,
    version: row.version,
    active: row.active,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Payout partners' offers: published and withdrawn through signed requests, every change a new version.
 * The versions in force are held in memory for pricing (reloaded after each change and every few seconds,
 * so that several routing processes converge).
 */
export class OffersService {
  private offers: LiveOffer[] = [];

  constructor(
    private readonly repository: OffersRepository,
    private readonly directory: Directory,
  ) {}

  async reload(): Promise<void> {
    this.offers = (await this.repository.current()).filter((r) => r.active).map(live);
  }

  inForce(): readonly LiveOffer[] {
    return this.offers;
  }

  async publish(partner: Member, offerId: string, body: OfferInput): Promise<OfferView> {
    const row: OfferRow = {
      partnerId: partner.id,
      offerId,
      version: 0,
      body,
      active: true,
      createdAt: new Date(),
    };
    const parsed = live(row);
    if (parsed.minMinor > parsed.maxMinor) {
      refuse({
        kind: 'INVALID_BODY',
        errors: [{ field: 'minAmount', message: 'must not exceed maxAmount' }],
      });
    }
    const ccy = body.corridor.destinationCurrency;
    if (!this.directory.canReceive(partner.id, ccy)) {
      refuse({
        kind: 'INVALID_BODY',
        errors: [{ field: 'corridor.destinationCurrency', message: `${partner.id} holds no ${ccy} account` }],
      });
    }
    const saved = await this.repository.publish(partner.id, offerId, body, true);
    await this.reload();
    return offerView(saved);
  }

  async withdraw(partner: Member, offerId: string): Promise<OfferView> {
    const last = await this.repository.latest(partner.id, offerId);
    if (!last || !last.active) refuse({ kind: 'OFFER_NOT_FOUND', offerId });
    const saved = await this.repository.publish(partner.id, offerId, last.body, false);
    await this.reload();
    return offerView(saved);
  }

  async mine(partner: Member): Promise<OfferView[]> {
    return (await this.repository.current()).filter((r) => r.partnerId === partner.id).map(offerView);
  }

  /** What can be sent where and how: the offers in force grouped by corridor. */
  corridors(): CorridorView[] {
    const byCorridor = new Map<string, { offers: LiveOffer[] }>();
    for (const o of this.offers) {
      if (!this.directory.canReceive(o.partnerId, o.body.corridor.destinationCurrency)) continue;
      const c = o.body.corridor;
      const key = `${c.sendCurrency}>${c.destinationCountry}:${c.destinationCurrency}`;
      const entry = byCorridor.get(key) ?? { offers: [] };
      entry.offers.push(o);
      byCorridor.set(key, entry);
    }
    return [...byCorridor.values()].map(({ offers }) => {
      const c = offers[0].body.corridor;
      const methods = new Set<PayoutMethod>(offers.flatMap((o) => o.body.methods));
      const min = offers.reduce((m, o) => (o.minMinor < m ? o.minMinor : m), offers[0].minMinor);
      const max = offers.reduce((m, o) => (o.maxMinor > m ? o.maxMinor : m), offers[0].maxMinor);
      return {
        ...c,
        methods: [...methods].sort(),
        minAmount: formatAmount(min, c.destinationCurrency),
        maxAmount: formatAmount(max, c.destinationCurrency),
        partners: new Set(offers.map((o) => o.partnerId)).size,
        fastestDeliveryMs: Math.min(...offers.map((o) => o.body.deliveryMs)),
      };
    });
  }
}

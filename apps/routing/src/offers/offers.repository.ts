import type { Prisma, PrismaClient } from '.prisma/routing-client';
import type { OfferInput } from '@concord/contracts';

export interface OfferRow {
  partnerId: string;
  offerId: string;
  version: number;
  body: OfferInput;
  active: boolean;
  createdAt: Date;
}

/** Offer versions: each publication or withdrawal is a new row; the highest version is in force. */
export class OffersRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Writes the next version of (partner, offer); a concurrent writer of the same version fails the key. */
  async publish(partnerId: string, offerId: string, body: OfferInput, active: boolean): Promise<OfferRow> {
    return this.prisma.$transaction(async (tx) => {
      const last = await tx.offerVersion.findFirst({
        where: { partnerId, offerId },
        orderBy: { version: 'desc' },
      });
      const row = await tx.offerVersion.create({
        data: {
          partnerId,
          offerId,
          version: (last?.version ?? 0) + 1,
          body: body as unknown as Prisma.InputJsonValue,
          active,
        },
      });
      return row as unknown as OfferRow;
    });
  }

  async latest(partnerId: string, offerId: string): Promise<OfferRow | null> {
    const row = await this.prisma.offerVersion.findFirst({
      where: { partnerId, offerId },
      orderBy: { version: 'desc' },
    });
    return row as unknown as OfferRow | null;
  }

  /** The version in force of every offer (withdrawn ones included, with active false). */
  async current(): Promise<OfferRow[]> {
    const rows = await this.prisma.$queryRaw<OfferRow[]>`
      select distinct on (partner_id, offer_id)
        partner_id as "partnerId", offer_id as "offerId", version, body, active, created_at as "createdAt"
      from routing.offer_versions order by partner_id, offer_id, version desc`;
    return rows;
  }
}

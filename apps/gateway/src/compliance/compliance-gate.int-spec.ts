import type { Clearance, InstructionCommand, ScreeningView } from '@concord/contracts';
import { servicesClient, ServicesPrismaClient, sqlOf } from '@concord/db';
import { createTestDatabase } from '@concord/testing';
import { NewTransfer, TransfersRepository } from '../transfers/transfers.repository';
import { ComplianceClient } from './compliance.client';
import { ComplianceGate, COMPLIANCE_REJECTED } from './compliance-gate';

const transfer = (id: string, payer = 'us-send'): NewTransfer => ({
  id,
  participantId: payer,
  payer,
  payee: 'ph-pay',
  amountMinor: 150_000n,
  currency: 'USD',
  twoPhase: false,
  requestHash: `h-${id}`,
});

const command = (id: string): InstructionCommand => ({
  v: 1,
  type: 'instruction',
  participantId: 'us-send',
  request: { method: 'POST', path: '/v1/transfers', body: `{"id":"${id}"}`, created: 1, keyId: 'k' },
  signature: 'sig',
});

/** The compliance service's screening statuses, as a fake of our own client (its HTTP is unit-tested). */
class FakeCompliance {
  readonly views = new Map<string, ScreeningView>();

  client(): ComplianceClient {
    return { status: async (id: string) => this.views.get(id) ?? null } as unknown as ComplianceClient;
  }
}

describe('ComplianceGate held transfers (real PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let prisma: ServicesPrismaClient;
  let transfers: TransfersRepository;
  const compliance = new FakeCompliance();
  let gate: ComplianceGate;

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = servicesClient(db.url);
    transfers = new TransfersRepository(prisma);
    gate = new ComplianceGate(compliance.client(), new Map([['USD', 100_000n]]), sqlOf(prisma));
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  const statusOf = async (id: string, payer = 'us-send') => {
    const row = await transfers.find(payer, id);
    return [row?.status, row?.reason ?? null];
  };

  it('holds, then sends a released transfer with its clearance once and forgets it; a rejected one ends COMPLIANCE_REJECTED', async () => {
    for (const id of ['h-1', 'h-2', 'h-3']) {
      const { row } = await transfers.insertOrGet(transfer(id));
      expect((await gate.hold(command(id), row)).status).toBe('held');
    }
    // Another payer's transfer with the same id is its own and stays untouched.
    await transfers.insertOrGet(transfer('h-1', 'other-payer'));
    expect(await statusOf('h-1')).toEqual(['held', null]);

    const sent: InstructionCommand[] = [];
    const send = async (c: InstructionCommand) => {
      sent.push(c);
    };
    compliance.views.set('h-1', { transferId: 'h-1', status: 'held', reasons: [] });
    expect(await gate.releaseDecided(send)).toEqual({ released: 0, rejected: 0 });

    const clearance = { transferId: 'h-1', payer: 'us-send' } as Clearance;
    compliance.views.set('h-1', { transferId: 'h-1', status: 'released', clearance, reasons: [] });
    compliance.views.set('h-2', { transferId: 'h-2', status: 'rejected', reasons: [] });
    expect(await gate.releaseDecided(send)).toEqual({ released: 1, rejected: 1 });
    expect(sent).toEqual([{ ...command('h-1'), clearances: [clearance] }]);
    expect(await statusOf('h-1')).toEqual(['accepted', null]);
    expect(await statusOf('h-1', 'other-payer')).toEqual(['accepted', null]);
    expect(await statusOf('h-2')).toEqual(['rejected', COMPLIANCE_REJECTED]);
    expect(await statusOf('h-3')).toEqual(['held', null]);
    // Decided ones are forgotten: the next run sends nothing again.
    expect(await gate.releaseDecided(send)).toEqual({ released: 0, rejected: 0 });
    expect(sent).toHaveLength(1);
    const held = await prisma.$queryRawUnsafe<{ transfer_id: string }[]>(
      `select transfer_id from gateway.held_transfers`,
    );
    expect(held.map((h) => h.transfer_id)).toEqual(['h-3']);
  });

  it('a failed send keeps the transfer held, to be sent at the next run', async () => {
    const { row } = await transfers.insertOrGet(transfer('h-4'));
    await gate.hold(command('h-4'), row);
    compliance.views.set('h-4', {
      transferId: 'h-4',
      status: 'released',
      clearance: { transferId: 'h-4' } as Clearance,
      reasons: [],
    });
    compliance.views.delete('h-3');
    await expect(
      gate.releaseDecided(async () => {
        throw new Error('ledger unavailable');
      }),
    ).rejects.toThrow('ledger unavailable');
    expect(await statusOf('h-4')).toEqual(['held', null]);
    const sent: string[] = [];
    await gate.releaseDecided(async (c) => {
      sent.push(c.request.body);
    });
    expect(sent).toEqual(['{"id":"h-4"}']);
    expect(await statusOf('h-4')).toEqual(['accepted', null]);
  });
});

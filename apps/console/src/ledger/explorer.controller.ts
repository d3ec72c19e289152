import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { blocksQuerySchema, transferProofQuerySchema, transfersQuerySchema } from '@concord/contracts';
import { Permission } from '../auth/caller';
import { decodePair, encodePair, cursorNumber } from '../http/paging';
import { notFound, parseRequest } from '../http/problems';
import { ExplorerRepository } from './explorer.repository';
import { ExplorerService } from './explorer.service';
import { ProofService } from './proof.service';
import { ReadModelRepository, signerSetAt } from './read-model.repository';

const heightParam = z.object({
  height: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
});

/** Overview, signers and the ledger explorer: blocks, transfers, participants and accounts. */
@Controller('ops/v1')
export class ExplorerController {
  constructor(
    @Inject(ExplorerService) private readonly service: ExplorerService,
    @Inject(ExplorerRepository) private readonly explorer: ExplorerRepository,
    @Inject(ReadModelRepository) private readonly readModel: ReadModelRepository,
    @Inject(ProofService) private readonly proofs: ProofService,
  ) {}

  @Get('overview')
  @Permission('read')
  overview() {
    return this.service.overview();
  }

  @Get('signers')
  @Permission('read')
  signers() {
    return this.service.signers();
  }

  @Get('genesis')
  @Permission('read')
  async genesis() {
    const chain = await this.readModel.chain();
    const first = await this.explorer.block(1);
    if (!chain || !first) throw notFound('the genesis block (not received yet)');
    const g = chain.genesis as {
      operators?: { keyId: string; publicKey: string }[];
      governanceThreshold?: number;
    };
    return {
      chainId: chain.chainId,
      block: JSON.parse(first.body) as Record<string, unknown>,
      operators: g.operators ?? [],
      governanceThreshold: g.governanceThreshold ?? 1,
    };
  }

  @Get('blocks')
  @Permission('read')
  async blocks(@Query() query: unknown) {
    const q = parseRequest(blocksQuerySchema, query, '(query)');
    const blocks = await this.explorer.blocks(cursorNumber(q.cursor), q.limit);
    const last = blocks[blocks.length - 1];
    return { blocks, nextCursor: blocks.length === q.limit && last ? String(last.height) : null };
  }

  @Get('blocks/:height')
  @Permission('read')
  async block(@Param() params: unknown) {
    const { height } = parseRequest(heightParam, params, '(path)');
    const [found, chain] = await Promise.all([this.explorer.block(height), this.readModel.chain()]);
    if (!found) throw notFound(`block ${height}`);
    const set = signerSetAt(chain?.signerSets ?? [], height);
    return {
      summary: found.summary,
      block: JSON.parse(found.body) as Record<string, unknown>,
      signerSet: { signers: set?.signers ?? [], quorum: set?.quorum ?? 0 },
    };
  }

  @Get('transfers')
  @Permission('read')
  async transfers(@Query() query: unknown) {
    const q = parseRequest(transfersQuerySchema, query, '(query)');
    const transfers = await this.explorer.transfers({ ...q, after: decodePair(q.cursor) });
    const last = transfers[transfers.length - 1];
    return {
      transfers,
      nextCursor: transfers.length === q.limit && last ? encodePair(last.height, last.transferId) : null,
    };
  }

  @Get('transfers/:id')
  @Permission('read')
  async transfer(@Param('id') id: string) {
    const found = await this.explorer.transferHistory(id);
    if (!found) throw notFound(`transfer ${id}`);
    return found;
  }

  /** The payer's and payee's balance proof at the block of one of the transfer's statuses. */
  @Get('transfers/:id/proof')
  @Permission('read')
  async transferProof(@Param('id') id: string, @Query() query: unknown) {
    const { height } = parseRequest(transferProofQuerySchema, query, '(query)');
    return this.proofs.transferProof(id, height);
  }

  @Get('participants')
  @Permission('read')
  async participants() {
    return { participants: await this.explorer.participants() };
  }

  @Get('participants/:id')
  @Permission('read')
  async participant(@Param('id') id: string) {
    const [found] = await this.explorer.participants(id);
    if (!found) throw notFound(`participant ${id}`);
    return { participant: found };
  }
}

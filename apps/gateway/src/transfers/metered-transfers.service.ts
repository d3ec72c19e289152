import type { AuthenticatedRequest } from '../auth/auth.service';
import { TransfersService } from './transfers.service';
import type { GatewayMetrics } from '../metrics/gateway.metrics';

/**
 * The transfers service, counting the transfers it accepts: the module provides this in its place, so the
 * transfer code stays free of metrics. Only new ids count; a retry of a known transfer does not.
 */
export class MeteredTransfersService extends TransfersService {
  constructor(
    private readonly metrics: GatewayMetrics,
    ...args: ConstructorParameters<typeof TransfersService>
  ) {
    super(...args);
  }

  override async submit(write: AuthenticatedRequest, waitMs = 0): ReturnType<TransfersService['submit']> {
    const result = await super.submit(write, waitMs);
    if (result.created) this.metrics.transfersAccepted.inc();
    return result;
  }

  override async submitBatch(
    write: AuthenticatedRequest,
    waitMs = 0,
  ): ReturnType<TransfersService['submitBatch']> {
    const result = await super.submitBatch(write, waitMs);
    if (result.created > 0) this.metrics.transfersAccepted.inc(result.created);
    return result;
  }
}

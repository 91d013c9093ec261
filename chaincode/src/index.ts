import { CorroborateContract } from './contract';

export { CorroborateContract } from './contract';
export { ContractError, errorCatalogue } from './errors';
export type { ErrorCode } from './errors';

/**
 * The contracts fabric-chaincode-node starts from this package: Corroborate's alone. The
 * benchmark's yardstick is a chaincode of its own (`scripts/baseline-chaincode`), deployed only by
 * `npm run bench`.
 */
export const contracts = [CorroborateContract];

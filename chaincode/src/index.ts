import { BaselineContract } from './baseline';
import { CorroborateContract } from './contract';

export { BaselineContract } from './baseline';
export { CorroborateContract } from './contract';
export { ContractError, errorCatalogue } from './errors';
export type { ErrorCode } from './errors';

/**
 * The contracts fabric-chaincode-node starts from this package. The first is the default one
 * that clients reach without naming a contract.
 */
export const contracts = [CorroborateContract, BaselineContract];

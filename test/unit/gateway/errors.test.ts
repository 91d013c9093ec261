import '../chaincode/quiet-fabric-logs';
import { errorCatalogue as contractCatalogue } from '@corroborate/chaincode';
import * as grpc from '@grpc/grpc-js';
import { CommitError, GatewayError } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { classify } from '../../../gateway/src/classify';
import { CorroborateError, errorCatalogue } from '../../../gateway/src/errors';
import { SourceError } from '../../../gateway/src/sources/source';
import { chaincodeError, mvccConflict, serviceError, unreachablePeer } from './fakes';

function gatewayError(code: grpc.status, message: string): GatewayError {
  const cause = serviceError(code, message);
  return new GatewayError({ code, details: [], cause, message: cause.message });
}

describe('classify', () => {
  it('maps a chaincode code in an endorsement detail to its status, keeping the transaction id', () => {
    const error = chaincodeError('DUPLICATE_VERDICT: Org2MSP has recorded a verdict', 'tx-42');

    expect(classify(error)).to.deep.equal({
      code: 'DUPLICATE_VERDICT',
      status: 409,
      retryable: false,
      message: 'DUPLICATE_VERDICT: Org2MSP has recorded a verdict',
      transactionId: 'tx-42',
    });
  });

  it('finds a chaincode code in the message of an evaluation that carries no details', () => {
    const error = gatewayError(
      grpc.status.UNKNOWN,
      'evaluate call to endorser returned error: chaincode response 500, FIRST_BLOCK_NOT_FOUND: blockId: req-1',
    );

    const classification = classify(error);

    expect(classification).to.include({ code: 'FIRST_BLOCK_NOT_FOUND', status: 404 });
    expect(classification).not.to.have.property('transactionId');
  });

  it('does not take a gRPC status name in the message for a chaincode code', () => {
    const error = gatewayError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded');

    expect(classify(error)).to.include({ code: 'LEDGER_TIMEOUT', status: 504, retryable: true });
  });

  it('answers 503 LEDGER_UNAVAILABLE, retryable, when the peer cannot be reached', () => {
    expect(classify(unreachablePeer())).to.include({
      code: 'LEDGER_UNAVAILABLE',
      status: 503,
      retryable: true,
    });
  });

  it('reports other gateway failures without a chaincode code as a retryable 502', () => {
    expect(classify(gatewayError(grpc.status.INTERNAL, 'endorser crashed'))).to.include({
      code: 'ENDORSEMENT_FAILED',
      status: 502,
      retryable: true,
    });
  });

  it('maps an MVCC read conflict at commit to a retryable MVCC_READ_CONFLICT', () => {
    expect(classify(mvccConflict('tx-7'))).to.include({
      code: 'MVCC_READ_CONFLICT',
      status: 409,
      retryable: true,
      transactionId: 'tx-7',
    });
  });

  it('maps a phantom read conflict to PHANTOM_READ_CONFLICT and any other commit failure to COMMIT_FAILED', () => {
    const commitError = (code: number) =>
      new CommitError({
        code: code as CommitError['code'],
        transactionId: 'tx',
        message: 'failed',
      });

    expect(classify(commitError(12)).code).to.equal('PHANTOM_READ_CONFLICT');
    expect(classify(commitError(10))).to.include({ code: 'COMMIT_FAILED', retryable: false });
  });

  it('maps source failures by their code', () => {
    const statusOf = (code: SourceError['code']) => classify(new SourceError(code, 'detail'));

    expect(statusOf('RECORD_NOT_FOUND')).to.include({ code: 'RECORD_NOT_FOUND', status: 404 });
    expect(statusOf('SOURCE_UNAVAILABLE')).to.include({ status: 503, retryable: true });
    expect(statusOf('READ_REFUSED')).to.include({ code: 'READ_REFUSED', status: 400 });
    expect(statusOf('UNKNOWN_SOURCE')).to.include({ code: 'UNKNOWN_SOURCE', status: 400 });
    expect(statusOf('INVALID_CONFIG')).to.include({ code: 'INTERNAL', status: 500 });
  });

  it('keeps the code and transaction id of its own errors', () => {
    const error = new CorroborateError('IDEMPOTENCY_KEY_REUSED', 'used before', {
      transactionId: 'tx-1',
    });

    expect(classify(error)).to.deep.equal({
      code: 'IDEMPOTENCY_KEY_REUSED',
      status: 422,
      retryable: false,
      message: 'used before',
      transactionId: 'tx-1',
    });
  });

  it('answers 500 INTERNAL without the original message for anything unknown', () => {
    for (const error of [new Error('secret detail'), 'a string', undefined, { code: 42 }]) {
      expect(classify(error)).to.deep.equal({
        code: 'INTERNAL',
        status: 500,
        retryable: false,
        message: 'internal error',
      });
    }
  });
});

describe('error catalogue', () => {
  it('has a client error status for every code the contract can give', () => {
    for (const code of Object.keys(contractCatalogue)) {
      expect(errorCatalogue, code).to.have.property(code);
      const { status } = errorCatalogue[code as keyof typeof errorCatalogue];
      expect(status, code).to.be.within(400, 499);
    }
  });

  it('answers every code with an error status and a retryability', () => {
    for (const [code, { status, retryable }] of Object.entries(errorCatalogue)) {
      expect(status, code).to.be.within(400, 599);
      expect(retryable, code).to.be.a('boolean');
    }
  });
});
